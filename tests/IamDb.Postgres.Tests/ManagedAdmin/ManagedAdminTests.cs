using IamDb.Postgres.Credentials;
using IamDb.Postgres.Tests.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.ManagedAdmin;

/// <summary>
/// A server of its own set up the way RDS or Cloud SQL hand one over: the admin <c>mgr</c> has CREATEROLE and is not a
/// superuser, owns <c>appdb</c> and not <c>svcdb</c> (the service's own database, owned by <c>svc</c>), nor
/// <c>postgres</c> or <c>template1</c>. Every operation IamDb performs is run as that admin.
/// </summary>
public sealed class ManagedServerFixture : IAsyncLifetime
{
    public const string AdminPassword = "mgr-password";

    public PostgresServerFixture Server { get; } = new();

    internal ClusterHarness Cluster { get; private set; } = null!;

    internal ClusterEndpoint Endpoint => Cluster.Endpoint with { Database = "appdb", AdminUser = "mgr", AdminPassword = AdminPassword };

    public async ValueTask InitializeAsync()
    {
        await Server.InitializeAsync();
        Cluster = new ClusterHarness(Server);
        await Cluster.ExecAsync($"CREATE ROLE mgr LOGIN CREATEROLE NOSUPERUSER PASSWORD '{AdminPassword}'; CREATE ROLE svc NOLOGIN");
        await Cluster.ExecAsync("CREATE DATABASE appdb OWNER mgr");
        await Cluster.ExecAsync("CREATE DATABASE svcdb OWNER svc");
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>Registration, issuance, AutoCreate, reaping, revocation and a password change with a CREATEROLE (not superuser) admin.</summary>
public sealed class ManagedAdminTests(ManagedServerFixture server) : IClassFixture<ManagedServerFixture>, IAsyncDisposable
{
    private readonly PostgresClusterAdministration _admin = new();

    private ClusterHarness Cluster => server.Cluster;

    private ClusterEndpoint Endpoint => server.Endpoint;

    private static CancellationToken Ct => ClusterHarness.Ct;

    public ValueTask DisposeAsync() => _admin.DisposeAsync();

    private Task<bool> PublicCanConnectAsync(string database) => Cluster.ScalarAsync<bool>(
        "select exists (select 1 from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a where d.datname = $1 and a.grantee = 0 and a.privilege_type = 'CONNECT')",
        database);

    [Fact]
    public async Task PrepareAsync_DatabaseOwnedByAnotherRole_IsSkippedWithTheReasonAndLeftAsItWas()
    {
        var before = await Cluster.StringsAsync("select datname || '=' || coalesce(datacl::text, '') from pg_database where datname in ('svcdb', 'postgres', 'template1') order by 1");

        var prepared = await _admin.PrepareAsync(Endpoint, Ct);

        var skipped = prepared.SkippedDatabases.ToDictionary(s => s.Database, s => s.Reason);
        Assert.Equal(["postgres", "svcdb", "template1"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("\"svc\"", skipped["svcdb"], StringComparison.Ordinal);
        Assert.Contains("to fix:", skipped["svcdb"], StringComparison.Ordinal);
        Assert.Equal(before, await Cluster.StringsAsync("select datname || '=' || coalesce(datacl::text, '') from pg_database where datname in ('svcdb', 'postgres', 'template1') order by 1"));
        Assert.False(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = $1)", RoleMarkers.ConnectRoleName("svcdb")));
        Assert.False(await PublicCanConnectAsync("appdb"));
        Assert.True(await Cluster.ScalarAsync<bool>("select has_database_privilege($1, 'appdb', 'CONNECT')", RoleMarkers.ConnectRoleName("appdb")));

        var test = await _admin.TestAsync(Endpoint, Ct);
        Assert.Equal(["postgres", "svcdb", "template1"], test.SkippedDatabases.Select(s => s.Database));
        Assert.Contains("appdb", test.Databases);
    }

    [Fact]
    public async Task IssueAsync_AutoCreateScopedToThePreparedDatabase_WorksThere()
    {
        var user = ClusterHarness.Unique("auto");

        var issued = await _admin.IssueAsync(Endpoint, ClusterHarness.Request(user, "appdb", autoCreate: true), Ct);

        Assert.True(issued.BaseUserCreated);
        Assert.Equal((user, issued.LoginRoleName), await Cluster.WhoAmIAsync(issued, "appdb"));
        var everywhere = await _admin.IssueAsync(Endpoint, ClusterHarness.Request(user), Ct);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(everywhere, "appdb")).CurrentUser);
    }

    [Fact]
    public async Task IssueAsync_DbNameOfASkippedDatabase_IsRefusedSayingWhyAndCreatesNothing()
    {
        var user = ClusterHarness.Unique("svcuser");

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(
            () => _admin.IssueAsync(Endpoint, ClusterHarness.Request(user, "svcdb", autoCreate: true), Ct));

        Assert.Equal(ClusterFailure.DatabaseNotPrepared, ex.Failure);
        Assert.Equal("svcdb", ex.Subject);
        Assert.Contains("\"svcdb\" is not prepared", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"svc\"", ex.Message, StringComparison.Ordinal);
        Assert.False(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = $1)", user));
    }

    [Fact]
    public async Task DropLoginRoleAsync_CredentialThatCreatedObjectsAndHasASession_IsRevokedAndItsObjectsGoToTheBaseUser()
    {
        var user = ClusterHarness.Unique("owner");
        var issued = await _admin.IssueAsync(Endpoint, ClusterHarness.Request(user, "appdb", autoCreate: true), Ct);
        await using (var asAdmin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Cluster.Fixture.Server.ConnectionString("appdb"))
        {
            Username = "mgr",
            Password = ManagedServerFixture.AdminPassword,
        }.ConnectionString))
        {
            await asAdmin.OpenAsync(Ct);
            await using var grant = new NpgsqlCommand($"GRANT CREATE ON SCHEMA public TO {user}, \"{issued.LoginRoleName}\"", asAdmin);
            await grant.ExecuteNonQueryAsync(Ct);
        }

        var table = $"t_{user}";
        await using var session = Cluster.Login(issued.LoginRoleName, issued.Password, "appdb");
        await session.OpenAsync(Ct);
        await using (var create = new NpgsqlCommand($"reset role; CREATE TABLE {table}_own (x int); set role {user}; CREATE TABLE {table}_base (x int)", session))
        {
            await create.ExecuteNonQueryAsync(Ct);
        }

        Assert.False(await _admin.DropLoginRoleAsync(Endpoint, issued.LoginRoleName, terminateSessions: false, Ct));
        Assert.True(await _admin.DropLoginRoleAsync(Endpoint, issued.LoginRoleName, terminateSessions: true, Ct));

        Assert.False(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = $1)", issued.LoginRoleName));
        await using var check = Cluster.Fixture.CreateDataSource("appdb");
        await using var owners = check.CreateCommand("select string_agg(tablename || ':' || tableowner, ',' order by tablename) from pg_tables where tablename like $1");
        owners.Parameters.Add(new NpgsqlParameter { Value = table + "%" });
        Assert.Equal($"{table}_base:{user},{table}_own:{user}", (string?)await owners.ExecuteScalarAsync(Ct));
        Assert.False(await Cluster.ScalarAsync<bool>("select pg_has_role('mgr', $1, 'MEMBER')", user));
        await using var after = new NpgsqlCommand("select 1", session);
        await Assert.ThrowsAnyAsync<Exception>(() => after.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task ListAndDrop_AllManagedRoles_ReaperPassWorksAsTheManagedAdmin()
    {
        var user = ClusterHarness.Unique("reaped");
        var issued = await _admin.IssueAsync(Endpoint, ClusterHarness.Request(user, autoCreate: true, expiresAt: DateTimeOffset.UtcNow.AddSeconds(-1)), Ct);

        var listed = await _admin.ListManagedRolesAsync(Endpoint, Ct);
        var mine = Assert.Single(listed, r => r.LoginRoleName == issued.LoginRoleName);
        Assert.Equal(user, mine.BaseUser);
        Assert.True(await _admin.DropLoginRoleAsync(Endpoint, mine.LoginRoleName, terminateSessions: true, Ct));
        Assert.DoesNotContain(await _admin.ListManagedRolesAsync(Endpoint, Ct), r => r.LoginRoleName == issued.LoginRoleName);
    }

    [Fact]
    public async Task AdminPasswordChangedInPlace_TheNewPasswordIsUsedAndLiveCredentialsKeepWorking()
    {
        var user = ClusterHarness.Unique("live");
        var issued = await _admin.IssueAsync(Endpoint, ClusterHarness.Request(user, "appdb", autoCreate: true), Ct);
        await Cluster.ExecAsync("ALTER ROLE mgr PASSWORD 'mgr-password-2'");
        try
        {
            var changed = Endpoint with { AdminPassword = "mgr-password-2" };

            var second = await _admin.IssueAsync(changed, ClusterHarness.Request(user, "appdb"), Ct);

            Assert.Equal(user, (await Cluster.WhoAmIAsync(second, "appdb")).CurrentUser);
            Assert.Equal(user, (await Cluster.WhoAmIAsync(issued, "appdb")).CurrentUser);
            var refused = await Assert.ThrowsAsync<ClusterOperationException>(() => _admin.TestAsync(Endpoint with { AdminPassword = "wrong" }, Ct));
            Assert.Equal(ClusterFailure.AdminLoginRefused, refused.Failure);
        }
        finally
        {
            await Cluster.ExecAsync($"ALTER ROLE mgr PASSWORD '{ManagedServerFixture.AdminPassword}'");
        }
    }
}

/// <summary>What a managed admin must never do: change a server it cannot prepare, or lock out the roles IamDb relies on.</summary>
public sealed class ManagedAdminSafetyTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _server = new();
    private ClusterHarness _cluster = null!;

    private static CancellationToken Ct => ClusterHarness.Ct;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        _cluster = new ClusterHarness(_server);
        await _cluster.ExecAsync("CREATE ROLE mgr LOGIN CREATEROLE PASSWORD 'mgr-password'; CREATE ROLE idle LOGIN CREATEROLE PASSWORD 'idle-password'; "
            + "CREATE ROLE store_login LOGIN PASSWORD 'store-password'; CREATE ROLE alice LOGIN PASSWORD 'alice-password'");
        await _cluster.ExecAsync("CREATE DATABASE appdb OWNER mgr");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task PrepareAsync_AdminThatMayPrepareNoDatabase_FailsAndTheServerIsAsItWas()
    {
        await using var admin = new PostgresClusterAdministration();
        var endpoint = _cluster.Endpoint with { AdminUser = "idle", AdminPassword = "idle-password" };
        // appdb is owned by mgr; to "idle" it is as foreign as postgres and template1.
        await _cluster.ExecAsync("REVOKE CONNECT ON DATABASE appdb FROM PUBLIC");
        var before = await _cluster.CatalogSnapshotAsync();

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(() => admin.PrepareAsync(endpoint, Ct));

        Assert.Equal(ClusterFailure.InsufficientPrivilege, ex.Failure);
        Assert.Contains("may prepare none of its databases", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await _cluster.CatalogSnapshotAsync());
    }

    [Fact]
    public async Task DisablePasswordsAsync_AllAsTheManagedAdmin_NeverTouchesTheAdminTheStoreRoleOrIamDbsRoles()
    {
        await using var admin = new PostgresClusterAdministration { ProtectedRoleNames = ["store_login"] };
        var endpoint = _cluster.Endpoint with { Database = "appdb", AdminUser = "mgr", AdminPassword = "mgr-password" };
        var issued = await admin.IssueAsync(endpoint, ClusterHarness.Request("app_user", autoCreate: true), Ct);

        var changes = await admin.DisablePasswordsAsync(endpoint, [], dryRun: false, Ct);

        Assert.Contains(changes, c => c is { RoleName: "alice", Changed: true });
        Assert.Contains(changes, c => c is { RoleName: "mgr", Changed: false });
        Assert.Contains("state store", changes.Single(c => c.RoleName == "store_login").Reason!, StringComparison.Ordinal);
        Assert.DoesNotContain(changes, c => c.RoleName == issued.LoginRoleName);
        Assert.Equal(["mgr", "postgres", "store_login"], await _cluster.StringsAsync(
            "select rolname from pg_authid where rolpassword is not null and rolname not like 'IAM%' order by 1"));
        Assert.Equal(issued.LoginRoleName, (await _cluster.WhoAmIAsync(issued, "appdb")).SessionUser);
        await using (var store = _cluster.Login("store_login", "store-password", "appdb"))
        {
            await store.OpenAsync(Ct);
        }

        await using var alice = _cluster.Login("alice", "alice-password", "appdb");
        Assert.Equal(PostgresErrorCodes.InvalidPassword, (await Assert.ThrowsAsync<PostgresException>(() => alice.OpenAsync(Ct))).SqlState);
    }
}
