using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Credentials;

public class PasswordTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    private Task<bool> HasPasswordAsync(string role) =>
        Cluster.ScalarAsync<bool>("select rolpassword is not null from pg_authid where rolname = $1", role);

    [Fact]
    public async Task DisablePasswordsAsync_NamedRoles_RefusesSuperuserAdminAndManagedRolesWithReasons()
    {
        var erin = ClusterHarness.Unique("erin");
        var boss = ClusterHarness.Unique("boss");
        var user = ClusterHarness.Unique("base");
        await Cluster.ExecAsync($"CREATE ROLE {erin} LOGIN PASSWORD 'erins-password'; CREATE ROLE {boss} SUPERUSER LOGIN PASSWORD 'boss-password'; CREATE ROLE {user} NOLOGIN");
        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);

        var changes = await Admin.DisablePasswordsAsync(
            Cluster.Endpoint, [erin, boss, "postgres", issued.LoginRoleName, "no_such_role", user], dryRun: false, Ct);

        // Compared without ConnectRevokedOn: a concurrent test that prepares a new database grants CONNECT on it to
        // every existing login role, erin included, so the revoked list depends on what else runs on this server.
        var erinChange = changes.Single(c => c.RoleName == erin);
        Assert.Equal((erin, true, (string?)null), (erinChange.RoleName, erinChange.Changed, erinChange.Reason));
        Assert.Contains("superuser", changes.Single(c => c.RoleName == boss).Reason!, StringComparison.Ordinal);
        Assert.False(changes.Single(c => c.RoleName == "postgres").Changed);
        Assert.Contains("admin", changes.Single(c => c.RoleName == "postgres").Reason!, StringComparison.Ordinal);
        Assert.Contains("IamDb", changes.Single(c => c.RoleName == issued.LoginRoleName).Reason!, StringComparison.Ordinal);
        Assert.Equal("no such role", changes.Single(c => c.RoleName == "no_such_role").Reason);
        Assert.Equal("has no password", changes.Single(c => c.RoleName == user).Reason);
        Assert.False(await HasPasswordAsync(erin));
        Assert.True(await HasPasswordAsync(boss));
        Assert.True(await HasPasswordAsync("postgres"));
        Assert.True(await HasPasswordAsync(issued.LoginRoleName));
        await using var conn = Cluster.Login(erin, "erins-password");
        Assert.Equal(PostgresErrorCodes.InvalidPassword, (await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct))).SqlState);
    }

    [Fact]
    public async Task DisablePasswordsAsync_DryRun_ReportsButChangesNothing()
    {
        var frank = ClusterHarness.Unique("frank");
        await Cluster.ExecAsync($"CREATE ROLE {frank} LOGIN PASSWORD 'franks-password'");

        var named = await Admin.DisablePasswordsAsync(Cluster.Endpoint, [frank], dryRun: true, Ct);
        var all = await Admin.DisablePasswordsAsync(Cluster.Endpoint, [], dryRun: true, Ct);

        // Without ConnectRevokedOn, which depends on databases other tests prepare concurrently (see above).
        Assert.Equal([(frank, true, (string?)null)], named.Select(c => (c.RoleName, c.Changed, c.Reason)));
        Assert.Contains((frank, true, (string?)null), all.Select(c => (c.RoleName, c.Changed, c.Reason)));
        Assert.False(all.Single(c => c.RoleName == "postgres").Changed);
        Assert.True(await HasPasswordAsync(frank));
    }

    [Fact]
    public async Task DisablePasswordsAsync_All_OnItsOwnServer_RemovesOrdinaryPasswordsOnly()
    {
        // "All" touches every role of the cluster, so it gets a server of its own.
        await using var own = new OwnServer();
        await own.Fixture.InitializeAsync();
        var cluster = new ClusterHarness(own.Fixture);
        await cluster.ExecAsync("CREATE ROLE gina LOGIN PASSWORD 'ginas-password'; CREATE ROLE hank LOGIN PASSWORD 'hanks-password'; "
            + "CREATE ROLE root2 SUPERUSER LOGIN PASSWORD 'root2-password'; CREATE ROLE base_user NOLOGIN");
        await using var admin = new PostgresClusterAdministration();
        var issued = await admin.IssueAsync(cluster.Endpoint, ClusterHarness.Request("base_user"), Ct);

        var changes = await admin.DisablePasswordsAsync(cluster.Endpoint, [], dryRun: false, Ct);

        Assert.Equal(["gina", "hank"], changes.Where(c => c.Changed).Select(c => c.RoleName));
        Assert.Equal(["postgres", "root2"], changes.Where(c => !c.Changed).Select(c => c.RoleName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(changes, c => c.RoleName == issued.LoginRoleName);
        Assert.Equal(["postgres", "root2"], await cluster.StringsAsync(
            "select rolname from pg_authid where rolpassword is not null and rolname not like 'IAM%' order by 1"));
        Assert.Equal(issued.LoginRoleName, (await cluster.WhoAmIAsync(issued)).SessionUser);
        var after = await admin.TestAsync(cluster.Endpoint, Ct);
        Assert.Equal(["postgres", "root2"], after.PasswordLoginUsers);
    }

    [Fact]
    public async Task PrepareAsync_AfterDisablePasswords_GivesTheRoleNoDirectConnectBack()
    {
        // Preparation takes CONNECT from PUBLIC on a new database and grants it to every login role that had it, so that
        // nobody is locked out; a role whose password IamDb disabled must not be among them: its direct CONNECT was revoked
        // on purpose, and with it back a credential scoped to one database would be refused (or reach the other one).
        var ivan = ClusterHarness.Unique("ivan");
        var judy = ClusterHarness.Unique("judy");
        var dbA = await Cluster.Fixture.CreateDatabaseAsync("pwa");
        await Cluster.ExecAsync($"CREATE ROLE {ivan} LOGIN PASSWORD 'ivans-password'; CREATE ROLE {judy} LOGIN PASSWORD 'judys-password'");
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        var disabled = await Admin.DisablePasswordsAsync(Cluster.Endpoint, [ivan], dryRun: false, Ct);
        Assert.True(disabled.Single().Changed);
        Assert.False(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, $2, 'CONNECT')", ivan, dbA));

        var dbC = await Cluster.Fixture.CreateDatabaseAsync("pwc");
        var prepared = await Admin.PrepareAsync(Cluster.Endpoint, Ct);

        Assert.DoesNotContain(ivan, prepared.GrantedConnect);
        Assert.False(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, $2, 'CONNECT')", ivan, dbC));
        Assert.True(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, $2, 'CONNECT')", judy, dbC)); // still nobody locked out
        var scoped = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(ivan, dbA), Ct);
        Assert.Equal(ivan, (await Cluster.WhoAmIAsync(scoped, dbA)).CurrentUser);
        await using var elsewhere = Cluster.Login(scoped.LoginRoleName, scoped.Password, dbC);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => elsewhere.OpenAsync(Ct))).SqlState);
    }

    private sealed class OwnServer : IAsyncDisposable
    {
        public PostgresServerFixture Fixture { get; } = new();

        public ValueTask DisposeAsync() => Fixture.DisposeAsync();
    }
}
