using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Security;

/// <summary>A cluster's AllowedDbGroups narrows the groups a credential may join, through DbGroups and through the RedshiftDbGroups tag.</summary>
public sealed class AllowedDbGroupsTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task GetClusterCredentials_GroupOutsideTheAllowList_IsRefusedBeforeTheCluster_PatternAndNameMatch()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        var team = Unique("team_");
        var named = Unique("named");
        var other = Unique("other");
        foreach (var role in new[] { user, team, named, other })
        {
            await kit.EnsureRoleAsync(role);
        }

        var registered = await kit.RegisterWithAsync(
            "narrow", [new("AllowedDbGroups.member.1", "team_*"), new("AllowedDbGroups.member.2", named)]);
        Assert.True(registered.ErrorCode is null, registered.ToString());

        var byPattern = await kit.GetCredentialsAsync(user, groups: [team], cluster: "narrow");
        var byName = await kit.GetCredentialsAsync(user, groups: [named, team], cluster: "narrow");
        var outside = await kit.GetCredentialsAsync(user, groups: [team, other], cluster: "narrow");
        var unrestricted = await kit.GetCredentialsAsync(user, groups: [other]);

        Assert.True(byPattern.ErrorCode is null, byPattern.ToString());
        Assert.True(byName.ErrorCode is null, byName.ToString());
        Assert.Equal("InvalidParameterValue", outside.ErrorCode);
        Assert.Contains($"database group {other} is not among the groups cluster narrow allows (team_*, {named})", outside.ErrorMessage, StringComparison.Ordinal);
        Assert.True(unrestricted.ErrorCode is null, unrestricted.ToString()); // clusterA has no allow-list
        Assert.Equal(3L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM:{user}:%'"));
    }

    [Fact]
    public async Task WithIam_TagGroupOutsideTheAllowList_IsRefusedNamingTheTag()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var name = Unique("tagged");
        var other = Unique("other");
        await kit.EnsureRoleAsync(other);
        var registered = await kit.RegisterWithAsync("narrow", [new("AllowedDbGroups.member.1", "team_*")]);
        Assert.True(registered.ErrorCode is null, registered.ToString());
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, name,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""");
        await kit.Broker.CallAsync("iam", "TagUser", [new("UserName", name), new("Tags.member.1.Key", "RedshiftDbGroups"), new("Tags.member.1.Value", other)]);

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "narrow")], key);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains($"Database group {other}, named in the principal tag RedshiftDbGroups, is not among the groups cluster narrow allows", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.False(await kit.RoleExistsAsync("IAM:" + name));
    }
}
