using IamDb.Postgres.Credentials;
using IamDb.Postgres.Tests.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Security;

/// <summary>Attack: ask for a credential whose base user is a superuser, a role with a privileged attribute, or the admin.</summary>
public class PrivilegedDbUserTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    public static TheoryData<string, string> PrivilegedUsers => new()
    {
        { "SUPERUSER NOLOGIN", "has SUPERUSER" },
        { "NOLOGIN CREATEROLE", "has CREATEROLE" },
        { "NOLOGIN CREATEDB", "has CREATEDB" },
        { "NOLOGIN REPLICATION", "has REPLICATION" },
        { "NOLOGIN BYPASSRLS", "has BYPASSRLS" },
        { "NOLOGIN IN ROLE {super}", "is a member of {super}, which has SUPERUSER" },
        { "NOLOGIN IN ROLE pg_execute_server_program", "is a member of pg_execute_server_program" },
        { "NOLOGIN IN ROLE pg_read_server_files", "is a member of pg_read_server_files" },
    };

    [Theory]
    [MemberData(nameof(PrivilegedUsers))]
    public async Task IssueAsync_PrivilegedUserWithoutOptIn_RefusedAndNothingCreated(string attributes, string why)
    {
        var (user, super) = await SetUpAsync(attributes);

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct));

        Assert.Equal(ClusterFailure.PrivilegedDbUser, refused.Failure);
        Assert.Equal(user, refused.Subject);
        Assert.Contains($"\"{user}\" is a privileged database user", refused.Message, StringComparison.Ordinal);
        Assert.Contains(why.Replace("{super}", super, StringComparison.Ordinal), refused.Message, StringComparison.Ordinal);
        Assert.Empty(await Cluster.StringsAsync("select rolname from pg_roles where rolname like $1", $"IAM:{user}:%"));
    }

    [Theory]
    [MemberData(nameof(PrivilegedUsers))]
    public async Task IssueAsync_PrivilegedUserWithOptIn_IsIssued(string attributes, string why)
    {
        _ = why;
        var (user, _) = await SetUpAsync(attributes);

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user) with { AllowPrivilegedDbUser = true }, Ct);

        Assert.Equal(user, (await Cluster.WhoAmIAsync(issued)).CurrentUser);
    }

    [Fact]
    public async Task IssueAsync_TheAdminAsDbUser_RefusedWithoutOptIn()
    {
        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(Cluster.Endpoint.AdminUser), Ct));

        Assert.Equal(ClusterFailure.PrivilegedDbUser, refused.Failure);
        Assert.Contains("privileged database user", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueAsync_PrivilegedUserOnTheFastPath_IsRefusedToo()
    {
        var plain = ClusterHarness.Unique("plain");
        var (user, _) = await SetUpAsync("SUPERUSER NOLOGIN");
        await Cluster.ExecAsync($"CREATE ROLE {plain} NOLOGIN");
        await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(plain), Ct);

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct));

        Assert.Equal(ClusterFailure.PrivilegedDbUser, refused.Failure);
    }

    [Fact]
    public async Task IssueAsync_AutoCreate_CreatesAPlainRoleThatIsNotPrivileged()
    {
        var user = ClusterHarness.Unique("auto");

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, autoCreate: true), Ct);

        Assert.True(issued.BaseUserCreated);
        Assert.Equal(
            ["f f f f f f"],
            await Cluster.StringsAsync(
                "select concat_ws(' ', rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls) from pg_roles where rolname = $1", user));
        Assert.Empty(await Cluster.StringsAsync(
            "select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid where m.member = (select oid from pg_roles where rolname = $1)", user));
    }

    private async Task<(string User, string Super)> SetUpAsync(string attributes)
    {
        var user = ClusterHarness.Unique("priv");
        var super = ClusterHarness.Unique("super");
        await Cluster.ExecAsync($"CREATE ROLE {super} SUPERUSER NOLOGIN");
        await Cluster.ExecAsync($"CREATE ROLE {user} " + attributes.Replace("{super}", super, StringComparison.Ordinal));
        return (user, super);
    }
}
