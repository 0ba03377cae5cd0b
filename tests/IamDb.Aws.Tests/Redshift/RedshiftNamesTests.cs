using IamDb.Aws.Redshift;

namespace IamDb.Aws.Tests.Redshift;

public class RedshiftNamesTests
{
    [Theory]
    [InlineData("adam")]
    [InlineData("Adam")]
    [InlineData("temp_creds_user")]
    [InlineData("a.b+c@d-e")]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901")] // 62 characters
    public void Valid_user_names_pass(string name) => Assert.Null(RedshiftNames.CheckDbUser(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("PUBLIC", "PUBLIC")]
    [InlineData("public", "PUBLIC")]
    [InlineData("select", "reserved word")]
    [InlineData("USER", "reserved word")]
    [InlineData("1adam", "start with a letter")]
    [InlineData("_adam", "start with a letter")]
    [InlineData("adam:admin", "colon")]
    [InlineData("a/b", "slash")]
    [InlineData("adam'; DROP ROLE postgres; --", "may contain only")]
    [InlineData("ad\"am", "may contain only")]
    [InlineData("adam\u0000", "may contain only")]
    [InlineData("аdam", "may contain only")] // Cyrillic а, a look-alike
    [InlineData("adam ", "may contain only")]
    [InlineData("ａdam", "may contain only")] // full-width a
    public void Invalid_user_names_say_why(string name, string expected)
    {
        var problem = RedshiftNames.CheckDbUser(name);
        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_must_fit_PostgreSQL_identifiers()
    {
        Assert.Null(RedshiftNames.CheckDbUser(new string('a', 63)));
        Assert.Contains("63 bytes", RedshiftNames.CheckDbUser(new string('a', 64)), StringComparison.Ordinal);
        Assert.Contains("63 bytes", RedshiftNames.CheckDbUser(new string('a', 65)), StringComparison.Ordinal);
    }

    [Fact]
    public void Database_names_may_be_public_but_not_reserved()
    {
        Assert.Null(RedshiftNames.CheckDbName("public"));
        Assert.Null(RedshiftNames.CheckDbName("dbA"));
        Assert.NotNull(RedshiftNames.CheckDbName("table"));
        Assert.NotNull(RedshiftNames.CheckDbName("db;drop"));
    }

    [Theory]
    [InlineData("analysts", null)]
    [InlineData("etl_jobs.v2", null)]
    [InlineData("Analysts", "lower case")]
    [InlineData("public", "PUBLIC")]
    [InlineData("group", "reserved word")]
    public void Group_names_are_lower_case(string name, string? expected)
    {
        var problem = RedshiftNames.CheckDbGroup(name);
        if (expected is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("clusterA", null)]
    [InlineData("examplecluster", null)]
    [InlineData("my-cluster-1", null)]
    [InlineData("", "1 to 63")]
    [InlineData("1cluster", "start with a letter")]
    [InlineData("cluster-", "end with a hyphen")]
    [InlineData("my--cluster", "two consecutive hyphens")]
    [InlineData("my_cluster", "only ASCII letters")]
    [InlineData("clüster", "only ASCII letters")]
    public void Cluster_identifiers_follow_Redshift(string id, string? expected)
    {
        var problem = RedshiftNames.CheckClusterIdentifier(id);
        if (expected is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cluster_identifiers_are_at_most_63_characters()
    {
        Assert.Null(RedshiftNames.CheckClusterIdentifier("c" + new string('1', 62)));
        Assert.NotNull(RedshiftNames.CheckClusterIdentifier("c" + new string('1', 63)));
    }

    [Fact]
    public void Every_reserved_word_is_refused_in_any_case()
    {
        Assert.True(RedshiftNames.ReservedWords.Count > 150);
        foreach (var word in RedshiftNames.ReservedWords.Where(w => char.IsAsciiLetter(w[0])))
        {
            Assert.NotNull(RedshiftNames.CheckDbUser(word.ToLowerInvariant()));
            Assert.NotNull(RedshiftNames.CheckDbName(word));
        }
    }
}
