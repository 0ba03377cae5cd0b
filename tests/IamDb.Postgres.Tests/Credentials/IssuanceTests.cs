using System.Collections.Concurrent;
using System.Text;
using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Credentials;

public class IssuanceTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    [Fact]
    public async Task IssueAsync_ExistingUser_LogsInAsTheLoginRoleAndActsAsTheUser()
    {
        var user = ClusterHarness.Unique("adam");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);

        Assert.StartsWith($"IAM:{user}:", issued.LoginRoleName, StringComparison.Ordinal);
        Assert.False(issued.BaseUserCreated);
        Assert.True(Convert.FromBase64String(issued.Password.Replace('-', '+').Replace('_', '/') + "=").Length >= 32);
        var (current, session) = await Cluster.WhoAmIAsync(issued);
        Assert.Equal(user, current);
        Assert.Equal(issued.LoginRoleName, session);
    }

    [Fact]
    public async Task IssueAsync_Role_HasVerifierValidUntilMarkerAndMemberships()
    {
        var user = ClusterHarness.Unique("attrs");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        var expires = DateTimeOffset.UtcNow.AddMinutes(20);

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, expiresAt: expires), Ct);

        var secret = await Cluster.ScalarAsync<string>("select rolpassword from pg_authid where rolname = $1", issued.LoginRoleName);
        Assert.StartsWith("SCRAM-SHA-256$4096:", secret, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.Password, secret, StringComparison.Ordinal);
        var validUntil = await Cluster.ScalarAsync<DateTime>("select rolvaliduntil from pg_roles where rolname = $1", issued.LoginRoleName);
        Assert.Equal(RoleMarkers.ToMicroseconds(expires).UtcDateTime, validUntil.ToUniversalTime());
        Assert.Equal(RoleMarkers.ToMicroseconds(expires), issued.ExpiresAt);
        var comment = await Cluster.ScalarAsync<string>("select shobj_description(oid, 'pg_authid') from pg_roles where rolname = $1", issued.LoginRoleName);
        var marker = RoleMarkers.ParseCredential(comment);
        Assert.NotNull(marker);
        Assert.Equal(user, marker.BaseUser);
        Assert.Null(marker.DbName);
        var memberOf = await Cluster.StringsAsync(
            "select r.rolname from pg_auth_members a join pg_roles r on r.oid = a.roleid where a.member = (select oid from pg_roles where rolname = $1)",
            issued.LoginRoleName);
        Assert.Contains(user, memberOf);
        // Without DbName: the all-databases role, which is a member of every database's connect role.
        Assert.Equal(new[] { RoleMarkers.AllDatabasesRoleName, user }.Order(StringComparer.Ordinal), memberOf.Order(StringComparer.Ordinal));
        Assert.True(await Cluster.ScalarAsync<bool>(
            "select pg_has_role($1, $2, 'MEMBER')", RoleMarkers.AllDatabasesRoleName, RoleMarkers.ConnectRoleName("postgres")));
        var setting = await Cluster.ScalarAsync<string[]>(
            "select setconfig from pg_db_role_setting where setrole = (select oid from pg_roles where rolname = $1)", issued.LoginRoleName);
        Assert.Equal([$"role={user}"], setting);
    }

    [Fact]
    public async Task IssueAsync_Groups_ApplyOnlyToTheCredentialThatJoinedThem()
    {
        var user = ClusterHarness.Unique("grp");
        var group = ClusterHarness.Unique("readers");
        var db = await Cluster.Fixture.CreateDatabaseAsync("grp");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN; CREATE ROLE {group} NOLOGIN");
        await Cluster.ExecAsync($"CREATE TABLE secrets(x int); INSERT INTO secrets VALUES (42); GRANT SELECT ON secrets TO {group}", db);

        var withGroup = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, db, [group]), Ct);
        var without = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, db), Ct);

        await using (var conn = Cluster.Login(withGroup.LoginRoleName, withGroup.Password, db))
        {
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand("select x from secrets", conn);
            Assert.Equal(42, await cmd.ExecuteScalarAsync(Ct));
        }

        await using (var conn = Cluster.Login(without.LoginRoleName, without.Password, db))
        {
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand("select x from secrets", conn);
            var denied = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteScalarAsync(Ct));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
            await using var setRole = new NpgsqlCommand($"SET ROLE {group}", conn);
            denied = await Assert.ThrowsAsync<PostgresException>(() => setRole.ExecuteNonQueryAsync(Ct));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }

        // The group is the credential's, not the user's.
        Assert.False(await Cluster.ScalarAsync<bool>($"select pg_has_role('{user}', '{group}', 'MEMBER')"));
    }

    [Fact]
    public async Task IssueAsync_DbName_OnlyThatDatabaseAcceptsTheLogin()
    {
        var user = ClusterHarness.Unique("scoped");
        var dbA = await Cluster.Fixture.CreateDatabaseAsync("dba");
        var dbB = await Cluster.Fixture.CreateDatabaseAsync("dbb");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, dbA), Ct);

        var (current, _) = await Cluster.WhoAmIAsync(issued, dbA);
        Assert.Equal(user, current);
        foreach (var other in new[] { dbB, "postgres" })
        {
            await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password, other);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        // Without DbName the same user's credential reaches both.
        var everywhere = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(everywhere, dbB)).CurrentUser);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(everywhere, dbA)).CurrentUser);
    }

    [Fact]
    public async Task IssueAsync_ExpiryInThePast_PasswordIsRefused()
    {
        var user = ClusterHarness.Unique("expired");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, expiresAt: DateTimeOffset.UtcNow.AddSeconds(-5)), Ct);

        await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Fact]
    public async Task IssueAsync_AutoCreate_CreatesTheUserNologinOnce()
    {
        var user = ClusterHarness.Unique("newbie");

        var first = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, autoCreate: true), Ct);
        var second = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, autoCreate: true), Ct);

        Assert.True(first.BaseUserCreated);
        Assert.False(second.BaseUserCreated);
        Assert.StartsWith($"IAMA:{user}:", first.LoginRoleName, StringComparison.Ordinal);
        Assert.False(await Cluster.ScalarAsync<bool>("select rolcanlogin from pg_roles where rolname = $1", user));
        Assert.Equal(user, (await Cluster.WhoAmIAsync(first)).CurrentUser);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(second)).CurrentUser);
    }

    [Fact]
    public async Task IssueAsync_LongUnicodeUser_NameFitsSixtyThreeBytesAndStaysUnique()
    {
        var user = "ü" + new string('é', 30); // 62 bytes
        await Cluster.ExecAsync($"CREATE ROLE \"{user}\" NOLOGIN");

        var a = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);
        var b = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);

        Assert.NotEqual(a.LoginRoleName, b.LoginRoleName);
        Assert.True(Encoding.UTF8.GetByteCount(a.LoginRoleName) <= 63);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(a)).CurrentUser);
        Assert.Equal(user, (await Cluster.WhoAmIAsync(b)).CurrentUser);
    }

    [Fact]
    public async Task IssueAsync_DatabaseCreatedAfterPreparation_IsPreparedAndScoped()
    {
        var user = ClusterHarness.Unique("late");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        var late = await Cluster.Fixture.CreateDatabaseAsync("late");

        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, "postgres"), Ct);

        Assert.False(await Cluster.ScalarAsync<bool>(
            "select exists (select 1 from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a where d.datname = $1 and a.grantee = 0 and a.privilege_type = 'CONNECT')",
            late));
        await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password, late);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task IssueAsync_DatabaseCreatedBetweenTwoIssuances_IsPreparedOnceTheRecheckIntervalPassed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var admin = new PostgresClusterAdministration(time);
        var user = ClusterHarness.Unique("between");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        await admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);
        var late = await Cluster.Fixture.CreateDatabaseAsync("between");
        time.Advance(admin.CatalogRecheckInterval);

        var everywhere = await admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);
        var elsewhere = await admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, "postgres"), Ct);

        Assert.Equal(user, (await Cluster.WhoAmIAsync(everywhere, late)).CurrentUser);
        await using var conn = Cluster.Login(elsewhere.LoginRoleName, elsewhere.Password, late);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct))).SqlState);
    }

    [Fact]
    public async Task IssueAsync_NewDatabaseAskedForByName_IsPreparedAtOnceWithinTheRecheckInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var admin = new PostgresClusterAdministration(time);
        var user = ClusterHarness.Unique("named");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        await admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);
        var fresh = await Cluster.Fixture.CreateDatabaseAsync("named");

        var issued = await admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user, fresh), Ct);

        Assert.Equal(user, (await Cluster.WhoAmIAsync(issued, fresh)).CurrentUser);
        await using var conn = Cluster.Login(issued.LoginRoleName, issued.Password, "postgres");
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(Ct))).SqlState);
    }

    [Fact]
    public async Task IssueAsync_TwoHundredConcurrentForOneUser_GivesTwoHundredDistinctWorkingCredentials()
    {
        var user = ClusterHarness.Unique("crowd");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        // Prepare first so the 200 measure issuance, not 200 waits on one preparation.
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);

        var issued = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct)));

        Assert.Equal(200, issued.Select(i => i.LoginRoleName).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(200, issued.Select(i => i.Password).Distinct(StringComparer.Ordinal).Count());
        var users = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(issued, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (credential, _) =>
            users.Add((await Cluster.WhoAmIAsync(credential)).CurrentUser));
        Assert.Equal(200, users.Count);
        Assert.All(users, u => Assert.Equal(user, u));
    }

    [Fact]
    public async Task IssuedLoginRole_ToString_DoesNotShowThePassword()
    {
        var user = ClusterHarness.Unique("tostr");
        await Cluster.ExecAsync($"CREATE ROLE {user} NOLOGIN");
        var issued = await Admin.IssueAsync(Cluster.Endpoint, ClusterHarness.Request(user), Ct);

        Assert.DoesNotContain(issued.Password, issued.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Cluster.SuperPassword, Cluster.Endpoint.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>Runs alone: creating databases makes issuance prepare every database, which rewrites ACLs other tests grant on.</summary>
[Collection(nameof(CatalogSnapshotTests))]
public class ConcurrentAutoCreateTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    [Fact]
    public async Task IssueAsync_ConcurrentAutoCreatesOfOneUserThroughSeveralDatabases_AllSucceed()
    {
        // Several clusters registered on one server (each with its own default database) share its roles: their first
        // AutoCreates of one base user race on CREATE ROLE, and the losers must retry, not fail.
        var databases = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            databases.Add(await Cluster.Fixture.CreateDatabaseAsync("race"));
        }

        for (var round = 0; round < 5; round++)
        {
            var user = ClusterHarness.Unique("raced");
            var request = ClusterHarness.Request(user) with { AutoCreate = true, LoginPrefix = "IAMA:" };
            var issued = await Task.WhenAll(databases.Select(db => Admin.IssueAsync(Cluster.Endpoint with { Database = db }, request, Ct)));

            Assert.Equal(3, issued.Select(i => i.LoginRoleName).Distinct().Count());
            Assert.Single(issued, i => i.BaseUserCreated);
        }
    }
}
