using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Credentials;

public class ReapingTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    private async Task<(string User, IssuedLoginRole Issued)> IssueAsync(string prefix, string? db = null, IReadOnlyList<string>? groups = null)
    {
        var user = ClusterHarness.Unique(prefix);
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        return (user, await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, db, groups), Ct));
    }

    private Task<bool> ExistsAsync(string role) => Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = $1)", role);

    [Fact]
    public async Task ListManagedRolesAsync_FindsIssuedRolesByMarkerWithSessions()
    {
        var (user, idle) = await IssueAsync("list");
        var busy = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, expiresAt: DateTimeOffset.UtcNow.AddMinutes(30)), Ct);
        var plain = ClusterHarness.Unique("plain");
        await Cluster.ExecAsync($"CREATE ROLE {plain} LOGIN; COMMENT ON ROLE {plain} IS 'just a user'");
        await using var session = Cluster.Login(busy.LoginRoleName, busy.Password);
        await session.OpenAsync(Ct);

        var managed = await Admin.ListManagedRolesAsync(Cluster.Endpoint, Ct);

        var idleRole = Assert.Single(managed, m => m.LoginRoleName == idle.LoginRoleName);
        Assert.Equal(user, idleRole.BaseUser);
        Assert.Equal(idle.ExpiresAt, idleRole.ExpiresAt);
        Assert.Equal(0, idleRole.ActiveSessions);
        Assert.Null(idleRole.OldestSessionStart);
        var busyRole = Assert.Single(managed, m => m.LoginRoleName == busy.LoginRoleName);
        Assert.Equal(1, busyRole.ActiveSessions);
        Assert.NotNull(busyRole.OldestSessionStart);
        Assert.DoesNotContain(managed, m => m.LoginRoleName == plain || m.LoginRoleName == user);
        Assert.DoesNotContain(managed, m => m.LoginRoleName.StartsWith(RoleMarkers.ConnectRoleNamePrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DropLoginRoleAsync_OpenSession_FalseWithoutTerminateThenTerminatedAndDropped()
    {
        var (user, issued) = await IssueAsync("drop");
        await using var session = Cluster.Login(issued.LoginRoleName, issued.Password);
        await session.OpenAsync(Ct);

        Assert.False(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: false, Ct));
        Assert.True(await ExistsAsync(issued.LoginRoleName));
        Assert.True(await Cluster.ScalarAsync<bool>("select rolcanlogin from pg_roles where rolname = $1", issued.LoginRoleName));
        await using (var stillWorks = new NpgsqlCommand("select 1", session))
        {
            Assert.Equal(1, await stillWorks.ExecuteScalarAsync(Ct));
        }

        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: true, Ct));

        Assert.False(await ExistsAsync(issued.LoginRoleName));
        Assert.True(await ExistsAsync(user));
        await using var ended = new NpgsqlCommand("select 1", session);
        await Assert.ThrowsAnyAsync<Exception>(() => ended.ExecuteScalarAsync(Ct));
        // Idempotent: a role already gone counts as dropped.
        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: false, Ct));
    }

    [Fact]
    public async Task DropLoginRoleAsync_ObjectsCreatedByTheCredential_EndUpOwnedByTheBaseUser()
    {
        var db = await Cluster.Fixture.CreateDatabaseAsync("own");
        var group = ClusterHarness.Unique("writers");
        await Cluster.ExecAsync($"CREATE ROLE {group} NOLOGIN");
        await Cluster.ExecAsync($"GRANT CREATE ON SCHEMA public TO {group}", db);
        await Cluster.ExecAsync($"GRANT CREATE ON SCHEMA public TO {group}");
        // With a group the session stays the login role, so what it creates is the login role's until the drop.
        var (user, issued) = await IssueAsync("owner", groups: [group]);
        foreach (var database in new[] { db, "postgres" })
        {
            await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password, database);
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand($"CREATE TABLE made_by_{user}(x int)", conn);
            await cmd.ExecuteNonQueryAsync(Ct);
        }

        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: true, Ct));

        Assert.False(await ExistsAsync(issued.LoginRoleName));
        Assert.Equal(user, await Cluster.ScalarAsync<string>($"select tableowner::text from pg_tables where tablename = 'made_by_{user}'"));
        await using var source = Cluster.Fixture.CreateDataSource(db);
        await using var inDb = source.CreateCommand($"select tableowner::text from pg_tables where tablename = 'made_by_{user}'");
        Assert.Equal(user, await inDb.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task IssueAsync_WithoutGroups_ObjectsAreOwnedByTheBaseUserAtOnce()
    {
        var (user, issued) = await IssueAsync("direct");
        await Cluster.ExecAsync($"GRANT CREATE ON SCHEMA public TO {user}");
        await using (var conn = Cluster.Login(issued.LoginRoleName, issued.Password))
        {
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand($"CREATE TABLE made_by_{user}(x int)", conn);
            await cmd.ExecuteNonQueryAsync(Ct);
        }

        Assert.Equal(user, await Cluster.ScalarAsync<string>($"select tableowner::text from pg_tables where tablename = 'made_by_{user}'"));
        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: false, Ct));
    }

    [Fact]
    public async Task DropLoginRoleAsync_RoleWithoutMarker_IsRefusedAndKept()
    {
        var plain = ClusterHarness.Unique("IAM:lookalike");
        await Cluster.ExecAsync($"CREATE ROLE \"{plain}\" LOGIN");

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(() => Admin.DropLoginRoleAsync(Cluster.Endpoint, plain, terminateSessions: true, Ct));

        Assert.Equal(ClusterFailure.InvalidName, ex.Failure);
        Assert.True(await ExistsAsync(plain));
        var connect = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.DropLoginRoleAsync(Cluster.Endpoint, RoleMarkers.ConnectRoleName("postgres"), terminateSessions: true, Ct));
        Assert.Equal(ClusterFailure.InvalidName, connect.Failure);
    }

    [Fact]
    public async Task DropLoginRoleAsync_BaseUserGone_ReassignsToTheAdmin()
    {
        var (user, issued) = await IssueAsync("orphan");
        await Cluster.ExecAsync($"REVOKE {user} FROM \"{issued.LoginRoleName}\"; DROP ROLE {user}");

        Assert.True(await Admin.DropLoginRoleAsync(Cluster.Endpoint, issued.LoginRoleName, terminateSessions: true, Ct));

        Assert.False(await ExistsAsync(issued.LoginRoleName));
    }
}
