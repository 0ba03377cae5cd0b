using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Authorization;

/// <summary>A request is decided against one load of its caller's policies, however many decisions it takes.</summary>
public sealed class PolicySnapshotTests(PostgresServerFixture postgres)
{
    private const string AllowCredentials =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser","redshift:JoinGroup"],"Resource":"*"}]}""";

    private const string AllowWithIam =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""";

    [Fact]
    public async Task GetClusterCredentials_WithDbNameAutoCreateAndTwoGroups_LoadsTheCallersPoliciesOnce()
    {
        CountingStateStore? counting = null;
        await using var kit = await RedshiftTestKit.StartAsync(postgres, decorateStore: store => counting = new CountingStateStore(store));
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var (first, second) = ("snap_a" + suffix, "snap_b" + suffix);
        await kit.EnsureRoleAsync(first);
        await kit.EnsureRoleAsync(second);
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "snapshot" + suffix, AllowCredentials);
        counting!.Reset();

        var reply = await kit.GetCredentialsAsync("snap_u" + suffix, key, dbName: "postgres", autoCreate: true, groups: [first, second]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(1, counting.PolicyLoads); // five decisions (dbuser, dbname, CreateClusterUser, two JoinGroup) on one load
    }

    [Fact]
    public async Task GetClusterCredentialsWithIam_ReadsItsGroupsTagFromTheLoadItWasAuthorizedWith()
    {
        CountingStateStore? counting = null;
        await using var kit = await RedshiftTestKit.StartAsync(postgres, decorateStore: store => counting = new CountingStateStore(store));
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var group = "snap_g" + suffix;
        await kit.EnsureRoleAsync(group);
        var name = "snapiam" + suffix;
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, name, AllowWithIam);
        var tagged = await kit.Broker.CallAsync(
            "iam", "TagUser", [new("UserName", name), new("Tags.member.1.Key", "RedshiftDbGroups"), new("Tags.member.1.Value", group)]);
        Assert.True(tagged.ErrorCode is null, tagged.ToString());
        counting!.Reset();

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", kit.ClusterId)], key);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(1, counting.PolicyLoads);
        var login = reply.Find("DbUser")!.Replace("'", "''", StringComparison.Ordinal);
        Assert.True(await kit.ScalarAsync<bool>($"SELECT pg_has_role('{login}', '{group}', 'MEMBER')")); // the group came from that load
    }
}
