using System.Text;
using IamDb.Postgres.Credentials;

namespace IamDb.Postgres.Tests.Credentials;

public class SqlTextTests
{
    [Theory]
    [InlineData("adam", "\"adam\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("x\"; DROP ROLE y; --", "\"x\"\"; DROP ROLE y; --\"")]
    public void Identifier_QuotesAndDoublesQuotes(string name, string expected) => Assert.Equal(expected, SqlText.Identifier(name));

    [Theory]
    [InlineData("it's", "E'it''s'")]
    [InlineData("back\\slash", "E'back\\\\slash'")]
    [InlineData("\\'; DROP ROLE x; --", "E'\\\\''; DROP ROLE x; --'")]
    public void Literal_EscapesQuotesAndBackslashes(string value, string expected) => Assert.Equal(expected, SqlText.Literal(value));

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    [InlineData("a\u0007b")]
    [InlineData("a\u200db")]
    public void Identifier_RefusesWhatCouldNotBeValidated(string name)
    {
        Assert.NotNull(SqlText.IdentifierProblem(name));
        Assert.Throws<ClusterOperationException>(() => SqlText.Identifier(name));
    }

    [Fact]
    public void IdentifierProblem_LoneSurrogate_IsRefused()
    {
        var lone = "a" + (char)0xD800 + "b";
        Assert.NotNull(SqlText.IdentifierProblem(lone));
        Assert.Null(SqlText.IdentifierProblem("a" + char.ConvertFromUtf32(0x1F600) + "b"));
    }

    [Fact]
    public void IdentifierProblem_CountsBytesNotCharacters()
    {
        Assert.Null(SqlText.IdentifierProblem(new string('a', 63)));
        Assert.NotNull(SqlText.IdentifierProblem(new string('a', 64)));
        Assert.Null(SqlText.IdentifierProblem(new string('é', 31)));
        Assert.NotNull(SqlText.IdentifierProblem(new string('é', 32)));
        Assert.Null(SqlText.IdentifierProblem("😀ok"));
    }

    [Fact]
    public void TruncateToBytes_NeverSplitsACharacter()
    {
        Assert.Equal("ab", SqlText.TruncateToBytes("ab😀", 5));
        Assert.Equal("ab😀", SqlText.TruncateToBytes("ab😀", 6));
        Assert.Equal("é", SqlText.TruncateToBytes("éé", 3));
    }

    [Fact]
    public void NewLoginRoleName_AnyBaseUser_FitsAndEndsWithTheSuffix()
    {
        foreach (var user in new[] { "adam", new string('a', 63), new string('é', 31), "😀" + new string('x', 59) })
        {
            var name = RoleMarkers.NewLoginRoleName("IAMA:", user);
            Assert.True(Encoding.UTF8.GetByteCount(name) <= 63, name);
            Assert.StartsWith("IAMA:", name, StringComparison.Ordinal);
            Assert.Null(SqlText.IdentifierProblem(name));
            Assert.True(RoleMarkers.MayBeManagedName(name));
        }
    }

    [Theory]
    [InlineData("adam", false)]
    [InlineData("IAM:adam", false)]
    [InlineData("IAMR:role_name", false)]
    [InlineData("IAM:adam:abcdefghij", true)]
    [InlineData("IAM:adam:ABCDEFGHIJ", false)]
    [InlineData("iamdb_connect:db", true)]
    public void MayBeManagedName_RecognisesIamDbShapes(string name, bool expected) => Assert.Equal(expected, RoleMarkers.MayBeManagedName(name));

    [Fact]
    public void CredentialMarker_RoundTripsHostileText()
    {
        var expires = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var comment = RoleMarkers.CredentialComment("we\"ird' \\ näme", "db'x", expires);

        var marker = RoleMarkers.ParseCredential(comment);

        Assert.NotNull(marker);
        Assert.Equal("we\"ird' \\ näme", marker.BaseUser);
        Assert.Equal("db'x", marker.DbName);
        Assert.Equal(expires, marker.ExpiresAt);
        Assert.Null(RoleMarkers.ParseCredential("iamdb:credential:v1 {not json"));
        Assert.Null(RoleMarkers.ParseCredential("something else"));
    }
}
