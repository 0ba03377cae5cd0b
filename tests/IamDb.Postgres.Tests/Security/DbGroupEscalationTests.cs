using IamDb.Postgres.Credentials;
using IamDb.Postgres.Tests.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Security;

/// <summary>
/// Attack: name a role that is not a plain group in DbGroups (a superuser, a login user, a role with CREATEROLE, a member
/// of a superuser or of a predefined server role, the admin) and <c>SET ROLE</c> to it from the credential.
/// </summary>
public class DbGroupEscalationTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    public static TheoryData<string, string> HostileGroups => new()
    {
        { "SUPERUSER NOLOGIN", "has SUPERUSER" },
        { "LOGIN PASSWORD 'a-login-users-password'", "is a login role" },
        { "NOLOGIN CREATEROLE", "has CREATEROLE" },
        { "NOLOGIN CREATEDB", "has CREATEDB" },
        { "NOLOGIN REPLICATION", "has REPLICATION" },
        { "NOLOGIN BYPASSRLS", "has BYPASSRLS" },
        { "NOLOGIN IN ROLE {super}", "is a member of {super}, which has SUPERUSER" },
        { "NOLOGIN IN ROLE {middle}", "is a member of {super}, which has SUPERUSER" },
        { "NOLOGIN IN ROLE pg_execute_server_program", "is a member of pg_execute_server_program" },
        { "NOLOGIN IN ROLE pg_read_server_files", "is a member of pg_read_server_files" },
        { "NOLOGIN IN ROLE pg_write_server_files", "is a member of pg_write_server_files" },
        { "NOLOGIN IN ROLE pg_signal_backend", "is a member of pg_signal_backend" },
        { "NOLOGIN IN ROLE pg_monitor", "is a member of pg_monitor" },
    };

    [Theory]
    [MemberData(nameof(HostileGroups))]
    public async Task IssueAsync_PrivilegedGroup_RefusedNamingTheGroupAndNothingCreated(string attributes, string why)
    {
        var (user, group, super) = await SetUpAsync(attributes);

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, groups: [group]), Ct));

        Assert.Contains($"\"{group}\" is not a database group", refused.Message, StringComparison.Ordinal);
        Assert.Contains(why.Replace("{super}", super, StringComparison.Ordinal), refused.Message, StringComparison.Ordinal);
        Assert.Equal(group, refused.Subject);
        Assert.Equal(ClusterFailure.NotADatabaseGroup, refused.Failure);
        Assert.Empty(await Cluster.StringsAsync("select rolname from pg_roles where rolname like $1", $"IAM:{user}:%"));
    }

    [Theory]
    [MemberData(nameof(HostileGroups))]
    public async Task IssueAsync_PrivilegedGroupOnTheFastPath_IsRefusedToo(string attributes, string why)
    {
        var (user, group, _) = await SetUpAsync(attributes);
        // A first issuance makes the next one skip the catalog read (the fast path).
        await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, groups: [group]), Ct));

        Assert.Contains($"\"{group}\" is not a database group", refused.Message, StringComparison.Ordinal);
        Assert.Contains(why.Split(' ')[0], refused.Message, StringComparison.Ordinal);
        Assert.Single(await Cluster.StringsAsync("select rolname from pg_roles where rolname like $1", $"IAM:{user}:%"));
    }

    [Fact]
    public async Task IssueAsync_AdminAsGroup_Refused()
    {
        var user = ClusterHarness.Unique("victim");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, groups: [Cluster.Endpoint.AdminUser]), Ct));

        Assert.Contains("is not a database group", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ClusterFailure.NotADatabaseGroup, refused.Failure);
    }

    [Fact]
    public async Task IssueAsync_SuperuserGroup_CannotBeReachedWithSetRole()
    {
        // The end-to-end form of the attack: a credential that joined a superuser "group" becomes superuser.
        var (user, group, _) = await SetUpAsync("SUPERUSER NOLOGIN");

        IssuedLoginRole? issued = null;
        try
        {
            issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, groups: [group]), Ct);
        }
        catch (ClusterOperationException)
        {
        }

        if (issued is not null)
        {
            await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password);
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand($"SET ROLE \"{group}\"; select rolsuper from pg_roles where rolname = current_user", conn);
            Assert.False((bool)(await cmd.ExecuteScalarAsync(Ct))!, "the credential reached SUPERUSER through DbGroups");
        }
    }

    [Fact]
    public async Task IssueAsync_PlainGroupWithPlainParents_IsStillAccepted()
    {
        var user = ClusterHarness.Unique("plain");
        var parent = ClusterHarness.Unique("parent");
        var group = ClusterHarness.Unique("child");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN; CREATE ROLE {parent} NOLOGIN; CREATE ROLE {group} NOLOGIN IN ROLE {parent}");

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, groups: [group]), Ct);

        Assert.Equal(issued.LoginRoleName, (await Cluster.WhoAmIAsync(issued)).CurrentUser);
    }

    private async Task<(string User, string Group, string Super)> SetUpAsync(string attributes)
    {
        var user = ClusterHarness.Unique("victim");
        var group = ClusterHarness.Unique("grp");
        var super = ClusterHarness.Unique("super");
        var middle = ClusterHarness.Unique("middle");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN; CREATE ROLE {super} SUPERUSER NOLOGIN; CREATE ROLE {middle} NOLOGIN IN ROLE {super}");
        await Cluster.ExecAsync(
            $"CREATE ROLE {group} " + attributes.Replace("{super}", super, StringComparison.Ordinal).Replace("{middle}", middle, StringComparison.Ordinal));
        return (user, group, super);
    }
}
