using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Attack: become a PostgreSQL superuser (or another login user) by naming it as a database group — in DbGroups, in the
/// caller's <c>RedshiftDbGroups</c> principal tag, or in a <c>RedshiftDbGroups</c> session tag of AssumeRole.
/// </summary>
[Collection(nameof(SuperuserRoleTests))]
public sealed class DbGroupEscalationTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private const string AllowWithIam =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentialsWithIAM","Resource":"*"}]}""";

    public static TheoryData<string> HostileRoles => new()
    {
        "SUPERUSER NOLOGIN",
        "LOGIN PASSWORD 'bobs-password'",
        "NOLOGIN CREATEROLE",
        "NOLOGIN IN ROLE pg_execute_server_program",
    };

    [Theory]
    [MemberData(nameof(HostileRoles))]
    public async Task GetClusterCredentials_PrivilegedOrLoginRoleAsDbGroup_IsInvalidParameterValueAndCreatesNothing(string attributes)
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("victim");
        var group = Unique("grp");
        await kit.EnsureRoleAsync(user);
        await kit.ExecAsync($"CREATE ROLE {group} {attributes}");

        var reply = await kit.GetCredentialsAsync(user, groups: [group]);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains($"\"{group}\" is not a database group", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("DbGroups", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM:{user}:%'"));
    }

    [Fact]
    public async Task GetClusterCredentials_TheAdminAsDbGroup_IsRefused()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("victim");
        await kit.EnsureRoleAsync(user);

        var reply = await kit.GetCredentialsAsync(user, groups: [postgres.Server.SuperUser]);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains("is not a database group", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithIam_UserTagRedshiftDbGroupsNamingASuperuser_IsRefused()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var name = Unique("tagged");
        var super = Unique("super");
        await kit.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, name, AllowWithIam);
        var tagged = await kit.Broker.CallAsync("iam", "TagUser",
            [new("UserName", name), new("Tags.member.1.Key", "RedshiftDbGroups"), new("Tags.member.1.Value", super)]);
        Assert.True(tagged.ErrorCode is null, tagged.ToString());

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")], key);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains($"Database group {super}, named in the principal tag RedshiftDbGroups", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("is not a database group: it has SUPERUSER", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM:IAM:{name}:%'"));
    }

    [Fact]
    public async Task WithIam_SessionTagRedshiftDbGroupsNamingASuperuser_IsRefused()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var roleName = Unique("etl");
        var super = Unique("super");
        await kit.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");
        var (user, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, Unique("jack"),
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}]}""");
        var trust = StoreSeed.TrustPolicyFor(user.Arn).Replace("\"sts:AssumeRole\"", "[\"sts:AssumeRole\",\"sts:TagSession\"]", StringComparison.Ordinal);
        var role = await StoreSeed.RoleAsync(kit.Broker, roleName, trust, 3600, AllowWithIam);
        var assumed = await kit.Broker.CallAsync("sts", "AssumeRole",
            [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("Tags.member.1.Key", "RedshiftDbGroups"), new("Tags.member.1.Value", super)], key);
        Assert.True(assumed.ErrorCode is null, assumed.ToString());
        var session = new SigningCredentials(assumed.Find("AccessKeyId")!, assumed.Find("SecretAccessKey")!, assumed.Find("SessionToken"));

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentialsWithIAM", [new("ClusterIdentifier", "clusterA")], session);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains($"Database group {super}, named in the principal tag RedshiftDbGroups", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM:IAMR:{roleName}:%'"));
    }
}
