using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Credentials;

/// <summary>Runs alone: what a preparation reports depends on no other test preparing the same database first.</summary>
[Collection(nameof(CatalogSnapshotTests))]
public class PreparationTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    [Fact]
    public async Task TestAsync_Superuser_ReportsVersionDatabasesAndPasswordUsers()
    {
        var bob = ClusterHarness.Unique("bob");
        await Cluster.ExecAsync($"CREATE ROLE {bob} LOGIN PASSWORD 'bobs-password'");
        var db = await Cluster.Fixture.CreateDatabaseAsync("tst");

        var test = await Admin.TestAsync(Cluster.Endpoint, Ct);

        Assert.StartsWith("15", test.ServerVersion, StringComparison.Ordinal);
        Assert.Contains("postgres", test.Databases);
        Assert.Contains(db, test.Databases);
        Assert.DoesNotContain("template0", test.Databases);
        Assert.Contains(bob, test.PasswordLoginUsers);
        Assert.Empty(test.GrantedConnect);
    }

    [Fact]
    public async Task PrepareAsync_ExistingPasswordUser_KeepsConnectAndIsReportedOnce()
    {
        var carol = ClusterHarness.Unique("carol");
        var db = await Cluster.Fixture.CreateDatabaseAsync("prep");
        await Cluster.ExecAsync($"CREATE ROLE {carol} LOGIN PASSWORD 'carols-password'");

        var first = await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        var second = await Admin.PrepareAsync(Cluster.Endpoint, Ct);

        Assert.Contains(carol, first.GrantedConnect);
        Assert.DoesNotContain(carol, second.GrantedConnect);
        Assert.Contains(db, second.Databases);
        Assert.Contains(carol, second.PasswordLoginUsers);
        await using (var conn = Cluster.Login(carol, "carols-password", db))
        {
            await conn.OpenAsync(Ct);
        }

        var connectRole = RoleMarkers.ConnectRoleName(db);
        Assert.True(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, $2, 'CONNECT')", connectRole, db));
        Assert.False(await Cluster.ScalarAsync<bool>(
            "select exists (select 1 from pg_database d, aclexplode(d.datacl) a where d.datname = $1 and a.grantee = 0 and a.privilege_type = 'CONNECT')", db));
        Assert.Equal(1L, await Cluster.ScalarAsync<long>(
            "select count(*) from pg_database d, aclexplode(d.datacl) a join pg_roles r on r.oid = a.grantee where d.datname = $1 and r.rolname = $2",
            db, connectRole));
        Assert.True(RoleMarkers.IsConnectRole(await Cluster.ScalarAsync<string>(
            "select shobj_description(oid, 'pg_authid') from pg_roles where rolname = $1", connectRole)));
        // A login role created after preparation has no CONNECT through PUBLIC any more.
        var dave = ClusterHarness.Unique("dave");
        await Cluster.ExecAsync($"CREATE ROLE {dave} LOGIN PASSWORD 'daves-password'");
        await using var daveConn = Cluster.Login(dave, "daves-password", db);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => daveConn.OpenAsync(Ct))).SqlState);
    }

    [Fact]
    public async Task PrepareAsync_NewDatabase_CredentialsForEveryDatabaseJoinItAndScopedOnesDoNot()
    {
        var user = ClusterHarness.Unique("before");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        var everywhere = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);
        var scoped = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, "postgres"), Ct);
        var db = await Cluster.Fixture.CreateDatabaseAsync("after");

        var prepared = await Admin.PrepareAsync(Cluster.Endpoint, Ct);

        Assert.DoesNotContain(everywhere.LoginRoleName, prepared.GrantedConnect);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(everywhere, db)).CurrentUser);
        await using var conn = Cluster.Login(scoped.LoginRoleName, scoped.Password, db);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct))).SqlState);
        Assert.True(await Cluster.ScalarAsync<bool>("select pg_has_role($1, $2, 'MEMBER')", everywhere.LoginRoleName, RoleMarkers.ConnectRoleName(db)));
    }

    [Fact]
    public void ConnectRoleName_LongDatabaseNames_FitAndDoNotCollide()
    {
        var a = new string('a', 63);
        var b = new string('a', 62) + "b";
        var plain = RoleMarkers.ConnectRoleName("dbA");

        Assert.Equal("iamdb_connect:dbA", plain);
        Assert.NotEqual(RoleMarkers.ConnectRoleName(a), RoleMarkers.ConnectRoleName(b));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(RoleMarkers.ConnectRoleName(a)) <= 63);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(RoleMarkers.ConnectRoleName(new string('ß', 31))) <= 63);
        // A short name that looks like a cut one stays plain and therefore different.
        var cut = RoleMarkers.ConnectRoleName(a)["iamdb_connect:".Length..];
        Assert.NotEqual(RoleMarkers.ConnectRoleName(a), RoleMarkers.ConnectRoleName(cut));
    }
}
