using IamDb.Policy.Linting;

namespace IamDb.Policy.Tests.Linting;

public class ActionCatalogTests
{
    [Theory]
    [InlineData("redshift:GetClusterCredentials")]
    [InlineData("redshift:GetClusterCredentialsWithIAM")]
    [InlineData("redshift:DescribeClusters")]
    [InlineData("redshift:JoinGroup")]
    [InlineData("redshift:CreateClusterUser")]
    [InlineData("sts:AssumeRole")]
    [InlineData("sts:GetCallerIdentity")]
    [InlineData("sts:TagSession")]
    [InlineData("iam:CreateUser")]
    [InlineData("iam:PassRole")]
    [InlineData("IAM:createuser")]
    [InlineData("iamdb:RegisterCluster")]
    [InlineData("iamdb:RevokeCredentials")]
    public void Contains_KnownAction_IsTrue(string action) => Assert.True(ActionCatalog.Contains(action));

    [Theory]
    [InlineData("redshift:GetClusterCredential")]
    [InlineData("iam:AssumeRole")]
    [InlineData("s3:GetObject")]
    [InlineData("GetUser")]
    public void Contains_UnknownAction_IsFalse(string action) => Assert.False(ActionCatalog.Contains(action));

    [Fact]
    public void All_CoversTheThreeModelsAndTheExtensions()
    {
        var all = ActionCatalog.All.ToList();

        Assert.True(all.Count > 300, $"{all.Count} actions");
        Assert.Contains("iamdb:DescribeAudit", all);
        Assert.True(ActionCatalog.IsKnownService("STS"));
        Assert.False(ActionCatalog.IsKnownService("s3"));
    }

    [Theory]
    [InlineData("redshift:Get*", true)]
    [InlineData("iam:*AccessKey*", true)]
    [InlineData("redshift:Nope*", false)]
    [InlineData("s3:Nope*", true)]
    public void MatchesAny_Pattern_ReportsWhetherAnyKnownActionMatches(string pattern, bool expected) =>
        Assert.Equal(expected, ActionCatalog.MatchesAny(pattern));
}
