using System.Net;
using System.Net.Sockets;
using IamDb.Postgres.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Credentials;

public class ClusterFailureTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    [Fact]
    public async Task AnyOperation_WrongAdminPassword_AdminLoginRefusedWithoutThePassword()
    {
        var wrong = "Wrong-Admin-Password-" + Guid.NewGuid().ToString("N");
        var endpoint = Cluster.Endpoint with { AdminPassword = wrong };

        var test = await Assert.ThrowsAsync<ClusterOperationException>(() => Admin.TestAsync(endpoint, Ct));
        var issue = await Assert.ThrowsAsync<ClusterOperationException>(() => Admin.IssueAsync(endpoint, ClusterHarness.Request("anyone"), Ct));

        foreach (var ex in new[] { test, issue })
        {
            Assert.Equal(ClusterFailure.AdminLoginRefused, ex.Failure);
            Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Cluster.SuperPassword, ex.ToString(), StringComparison.Ordinal);
        }

        // The right password works again on the same administration object.
        Assert.NotEmpty((await Admin.TestAsync(Cluster.Endpoint, Ct)).Databases);
    }

    [Fact]
    public async Task AnyOperation_NothingListening_Unreachable()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var endpoint = Cluster.Endpoint with { Port = port };

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(() => Admin.PrepareAsync(endpoint, Ct));

        Assert.Equal(ClusterFailure.Unreachable, ex.Failure);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Cluster.SuperPassword, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_AdminWithoutCreateRole_InsufficientPrivilege()
    {
        var weak = ClusterHarness.Unique("weak");
        await Cluster.ExecAsync($"CREATE ROLE {weak} LOGIN PASSWORD 'weak-password'; GRANT CONNECT ON DATABASE postgres TO {weak}");

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(
            () => Admin.TestAsync(Cluster.Endpoint with { AdminUser = weak, AdminPassword = "weak-password" }, Ct));

        Assert.Equal(ClusterFailure.InsufficientPrivilege, ex.Failure);
        Assert.Contains("CREATEROLE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueAsync_CreateRoleAdminWithoutMembership_InsufficientPrivilegeOrWorks()
    {
        // PostgreSQL 15 lets CREATEROLE grant any non-superuser role; 16 and later need ADMIN OPTION on it.
        var admin = ClusterHarness.Unique("creator");
        var user = ClusterHarness.Unique("target");
        await Cluster.ExecAsync($"CREATE ROLE {admin} LOGIN CREATEROLE PASSWORD 'creator-password'; GRANT CONNECT ON DATABASE postgres TO {admin}; CREATE ROLE {user} NOLOGIN");
        var endpoint = Cluster.Endpoint with { AdminUser = admin, AdminPassword = "creator-password" };
        // Preparation needs the databases' owner or a superuser; done as the superuser here.
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);

        var issued = await Admin.IssueAsync(endpoint, ClusterHarness.Request(user), Ct);

        Assert.Equal(user, (await Cluster.WhoAmIAsync(issued)).CurrentUser);
    }

    [Fact]
    public void ClusterEndpoint_ToString_HidesThePassword()
    {
        Assert.Equal($"postgres@127.0.0.1:{Cluster.Fixture.Server.Port}/postgres", Cluster.Endpoint.ToString());
    }
}

/// <summary>Runs alone: a preparation by any other test would prepare the database this one expects left untouched.</summary>
[Collection(nameof(CatalogSnapshotTests))]
public class AdminPrivilegeTests(PostgresServerFixture fixture) : ClusterAdministrationTests(fixture)
{
    [Fact]
    public async Task PrepareAsync_CreateRoleAdminNotOwningTheDatabase_SkipsItWithTheReasonAndChangesNothingThere()
    {
        var admin = ClusterHarness.Unique("notowner");
        await Cluster.ExecAsync($"CREATE ROLE {admin} LOGIN CREATEROLE PASSWORD 'notowner-password'; GRANT CONNECT ON DATABASE postgres TO {admin}");
        // The other databases prepared by the superuser: only the new one is left that this admin may not prepare.
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
        var db = await Cluster.Fixture.CreateDatabaseAsync("owned");
        var endpoint = Cluster.Endpoint with { AdminUser = admin, AdminPassword = "notowner-password" };

        var prepared = await Admin.PrepareAsync(endpoint, Ct);

        var skipped = Assert.Single(prepared.SkippedDatabases, s => s.Database == db);
        Assert.Contains("PUBLIC", skipped.Reason, StringComparison.Ordinal);
        Assert.True(await Cluster.ScalarAsync<bool>(
            "select exists (select 1 from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a where d.datname = $1 and a.grantee = 0 and a.privilege_type = 'CONNECT')",
            db));
        Assert.False(await Cluster.ScalarAsync<bool>("select exists (select 1 from pg_roles where rolname = $1)", RoleMarkers.ConnectRoleName(db)));
        await Admin.PrepareAsync(Cluster.Endpoint, Ct);
    }
}
