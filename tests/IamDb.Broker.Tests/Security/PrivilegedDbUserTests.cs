using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Security;

/// <summary>Attack: an IAM policy of <c>dbuser:*/*</c> (or the account root) asks for a credential as a superuser.</summary>
[Collection(nameof(SuperuserRoleTests))]
public sealed class PrivilegedDbUserTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task GetClusterCredentials_WildcardPolicyAndTheSuperuserAdmin_IsRefusedWithoutTheClusterOptIn()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, Unique("dev"),
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentials","Resource":"arn:aws:redshift:*:*:dbuser:*/*"}]}""");

        var reply = await kit.GetCredentialsAsync(postgres.Server.SuperUser, key);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains("DbUser", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("is a privileged database user", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("AllowPrivilegedDbUsers", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SUPERUSER NOLOGIN", "has SUPERUSER")]
    [InlineData("NOLOGIN CREATEROLE", "has CREATEROLE")]
    [InlineData("NOLOGIN IN ROLE pg_read_server_files", "is a member of pg_read_server_files")]
    public async Task GetClusterCredentials_PrivilegedDbUser_IsRefusedAndCreatesNothing(string attributes, string why)
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("priv");
        await kit.ExecAsync($"CREATE ROLE {user} {attributes}");

        var reply = await kit.GetCredentialsAsync(user);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains(why, reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await kit.ScalarAsync<long>($"SELECT count(*) FROM pg_roles WHERE rolname LIKE 'IAM:{user}:%'"));
    }

    [Fact]
    public async Task GetClusterCredentials_SuperuserWithTheClusterOptIn_IsIssued_AndUpdateClusterTakesItBack()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var registered = await kit.RegisterWithAsync("optedin", [new("AllowPrivilegedDbUsers", "true")]);
        Assert.True(registered.ErrorCode is null, registered.ToString());

        var issued = await kit.GetCredentialsAsync(postgres.Server.SuperUser, cluster: "optedin");

        Assert.True(issued.ErrorCode is null, issued.ToString());
        Assert.Equal(postgres.Server.SuperUser, await kit.CurrentUserAsync(issued.Find("DbUser")!, issued.Find("DbPassword")!));
        var elsewhere = await kit.GetCredentialsAsync(postgres.Server.SuperUser);
        Assert.Equal("InvalidParameterValue", elsewhere.ErrorCode); // clusterA, same server, no opt-in

        var updated = await kit.UpdateAsync("optedin", new KeyValuePair<string, string>("AllowPrivilegedDbUsers", "false"));
        Assert.True(updated.ErrorCode is null, updated.ToString());
        var refused = await kit.GetCredentialsAsync(postgres.Server.SuperUser, cluster: "optedin");
        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
    }

    [Fact]
    public async Task GetClusterCredentials_TheOptInDoesNotOpenDbGroups()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("plain");
        var super = Unique("super");
        await kit.EnsureRoleAsync(user);
        await kit.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");
        var registered = await kit.RegisterWithAsync(
            "optedin", [new("AllowPrivilegedDbUsers", "true"), new("AllowedDbGroups.member.1", super)]);
        Assert.True(registered.ErrorCode is null, registered.ToString());

        var reply = await kit.GetCredentialsAsync(user, groups: [super], cluster: "optedin");

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains("is not a database group: it has SUPERUSER", reply.ErrorMessage, StringComparison.Ordinal);
    }
}
