using System.Net;
using System.Net.Sockets;
using IamDb.Postgres.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Credentials;

public class ClusterFailureTests(PostgresServerFixture fixture) : IAsyncLifetime
{
    private readonly ClusterHarness _cluster = new(fixture);
    private readonly PostgresClusterAdministration _admin = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _admin.DisposeAsync();

    private static CancellationToken Ct => ClusterHarness.Ct;

    [Fact]
    public async Task AnyOperation_WrongAdminPassword_AdminLoginRefusedWithoutThePassword()
    {
        var wrong = "Wrong-Admin-Password-" + Guid.NewGuid().ToString("N");
        var endpoint = _cluster.Endpoint with { AdminPassword = wrong };

        var test = await Assert.ThrowsAsync<ClusterOperationException>(() => _admin.TestAsync(endpoint, Ct));
        var issue = await Assert.ThrowsAsync<ClusterOperationException>(() => _admin.IssueAsync(endpoint, ClusterHarness.Request("anyone"), Ct));

        foreach (var ex in new[] { test, issue })
        {
            Assert.Equal(ClusterFailure.AdminLoginRefused, ex.Failure);
            Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(_cluster.SuperPassword, ex.ToString(), StringComparison.Ordinal);
        }

        // The right password works again on the same administration object.
        Assert.NotEmpty((await _admin.TestAsync(_cluster.Endpoint, Ct)).Databases);
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

        var endpoint = _cluster.Endpoint with { Port = port };

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(() => _admin.PrepareAsync(endpoint, Ct));

        Assert.Equal(ClusterFailure.Unreachable, ex.Failure);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.SuperPassword, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestAsync_AdminWithoutCreateRole_InsufficientPrivilege()
    {
        var weak = ClusterHarness.Unique("weak");
        await _cluster.ExecAsync($"CREATE ROLE {weak} LOGIN PASSWORD 'weak-password'; GRANT CONNECT ON DATABASE postgres TO {weak}");

        var ex = await Assert.ThrowsAsync<ClusterOperationException>(
            () => _admin.TestAsync(_cluster.Endpoint with { AdminUser = weak, AdminPassword = "weak-password" }, Ct));

        Assert.Equal(ClusterFailure.InsufficientPrivilege, ex.Failure);
        Assert.Contains("CREATEROLE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueAsync_CreateRoleAdminWithoutMembership_InsufficientPrivilegeOrWorks()
    {
        // PostgreSQL 15 lets CREATEROLE grant any non-superuser role; 16 and later need ADMIN OPTION on it.
        var admin = ClusterHarness.Unique("creator");
        var user = ClusterHarness.Unique("target");
        await _cluster.ExecAsync($"CREATE ROLE {admin} LOGIN CREATEROLE PASSWORD 'creator-password'; GRANT CONNECT ON DATABASE postgres TO {admin}; CREATE ROLE {user} NOLOGIN");
        var endpoint = _cluster.Endpoint with { AdminUser = admin, AdminPassword = "creator-password" };
        // Preparation needs the databases' owner or a superuser; done as the superuser here.
        await _admin.PrepareAsync(_cluster.Endpoint, Ct);

        var issued = await _admin.IssueAsync(endpoint, ClusterHarness.Request(user), Ct);

        Assert.Equal(user, (await _cluster.WhoAmIAsync(issued)).CurrentUser);
    }

    [Fact]
    public void ClusterEndpoint_ToString_HidesThePassword()
    {
        Assert.Equal($"postgres@127.0.0.1:{fixture.Server.Port}/postgres", _cluster.Endpoint.ToString());
    }
}
