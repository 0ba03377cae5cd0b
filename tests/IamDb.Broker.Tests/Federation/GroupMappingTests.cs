using IamDb.Broker.Federation;

namespace IamDb.Broker.Tests.Federation;

public sealed class GroupMappingTests
{
    private static readonly Dictionary<string, IReadOnlyList<string>> Claims = new()
    {
        ["groups"] = ["db_analysts", "Everyone", "db_etl", "db_analysts", "bad:group", " "],
        ["department"] = ["finance"],
        ["sub"] = ["alice"],
    };

    private static IReadOnlyDictionary<string, IReadOnlyList<string>> Map(params (string Key, string Value)[] tags) =>
        GroupMapping.Map(tags.Select(t => new KeyValuePair<string, string>(t.Key, t.Value)), Claims);

    [Fact]
    public void NoMappingTag_MapsNothing()
    {
        Assert.Empty(Map(("team", "data"), (GroupMapping.FilterPrefix + "groups", "db_*")));
    }

    [Fact]
    public void MapWithoutFilter_PassesEveryUsableValueOnceInOrder()
    {
        var mapped = Map(("iamdb:map/groups", "RedshiftDbGroups"));

        Assert.Equal(["db_analysts", "Everyone", "db_etl"], mapped["RedshiftDbGroups"]);
        Assert.Equal("db_analysts:Everyone:db_etl", GroupMapping.Join(mapped["RedshiftDbGroups"]));
    }

    [Theory]
    [InlineData("db_*", new[] { "db_analysts", "db_etl" })]
    [InlineData("db_etl, Everyone", new[] { "Everyone", "db_etl" })]
    [InlineData("db_a*,Everyone", new[] { "db_analysts", "Everyone" })]
    [InlineData("nothing_matches", new string[0])]
    [InlineData(" , ", new string[0])]
    public void Filter_AllowsOnlyListedValuesAndPrefixes(string filter, string[] expected)
    {
        var mapped = Map(("iamdb:map/groups", "RedshiftDbGroups"), ("iamdb:map-filter/groups", filter));

        Assert.Equal(expected, mapped.GetValueOrDefault("RedshiftDbGroups") ?? []);
    }

    [Fact]
    public void FilterOfAnotherClaim_DoesNotApply()
    {
        var mapped = Map(("iamdb:map/department", "RedshiftDbGroups"), ("iamdb:map-filter/groups", "db_*"));

        Assert.Equal(["finance"], mapped["RedshiftDbGroups"]);
    }

    [Fact]
    public void TwoClaimsIntoOneTag_AreCombined_MissingClaimIsIgnored()
    {
        var mapped = Map(
            ("iamdb:map/groups", "RedshiftDbGroups"),
            ("iamdb:map-filter/groups", "db_etl"),
            ("iamdb:map/department", "RedshiftDbGroups"),
            ("iamdb:map/not-in-token", "Other"));

        Assert.Equal(["db_etl", "finance"], mapped["RedshiftDbGroups"]);
        Assert.False(mapped.ContainsKey("Other"));
    }

    [Fact]
    public void ClaimNames_AreCaseSensitive()
    {
        Assert.Empty(Map(("iamdb:map/Groups", "RedshiftDbGroups")));
    }
}
