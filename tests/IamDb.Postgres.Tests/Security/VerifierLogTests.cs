using IamDb.Postgres.Credentials;
using IamDb.Postgres.Tests.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Security;

/// <summary>
/// Attack (on the server's log): PostgreSQL logs the text of a failing statement (<c>log_min_error_statement</c>, ERROR by
/// default) and, when an operator turns it on, of every DDL statement; a SCRAM verifier in that text lets anyone who reads
/// the log brute-force the password offline. The class has a server of its own so its log holds only these tests.
/// </summary>
public sealed class VerifierLogTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _own = new();
    private ClusterHarness _cluster = null!;
    private readonly PostgresClusterAdministration _admin = new();

    private static CancellationToken Ct => ClusterHarness.Ct;

    public async ValueTask InitializeAsync()
    {
        await _own.InitializeAsync();
        _cluster = new ClusterHarness(_own);
        await _cluster.ExecAsync("ALTER SYSTEM SET log_min_error_statement = 'error'; ");
        await _cluster.ExecAsync("select pg_reload_conf()");
    }

    public async ValueTask DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _own.DisposeAsync();
    }

    [Fact]
    public async Task IssueAsync_CreateRoleFailsBecauseTheAdminLostCreateRole_NoVerifierInTheLog()
    {
        // The admin could manage roles at registration; its CREATEROLE was taken away later, so the batch fails on the server.
        await _cluster.ExecAsync("CREATE ROLE weak_admin LOGIN CREATEROLE PASSWORD 'weak-admin-password'; CREATE ROLE base_one NOLOGIN");
        await _admin.PrepareAsync(_cluster.Endpoint, Ct);
        await _cluster.ExecAsync("ALTER ROLE weak_admin NOCREATEROLE");
        var endpoint = _cluster.Endpoint with { AdminUser = "weak_admin", AdminPassword = "weak-admin-password" };

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => _admin.IssueAsync(endpoint, ClusterHarness.Request("base_one"), Ct));

        Assert.Equal(ClusterFailure.InsufficientPrivilege, refused.Failure);
        Assert.DoesNotContain("SCRAM-SHA-256$", refused.ToString(), StringComparison.Ordinal);
        await AssertLogHasNoVerifierAsync(expectError: true);
    }

    [Fact]
    public async Task IssueAsync_GroupGrantFailsInsideTheBatch_NoVerifierInTheLog()
    {
        await _cluster.ExecAsync("CREATE ROLE base_two NOLOGIN; CREATE ROLE soon_gone NOLOGIN");
        // A first issuance makes the next skip the catalog read, so the missing group fails its GRANT inside the batch.
        await _admin.IssueAsync(_cluster.Endpoint, ClusterHarness.Request("base_two"), Ct);
        await _cluster.ExecAsync("DROP ROLE soon_gone");

        var refused = await Assert.ThrowsAsync<ClusterOperationException>(
            () => _admin.IssueAsync(_cluster.Endpoint, ClusterHarness.Request("base_two", groups: ["soon_gone"]), Ct));

        Assert.Equal(ClusterFailure.GroupMissing, refused.Failure);
        await AssertLogHasNoVerifierAsync(expectError: true);
    }

    [Fact]
    public async Task IssueAsync_OperatorLogsEveryDdlStatement_SuperuserAdminKeepsTheVerifierOutOfTheLog()
    {
        await _cluster.ExecAsync($"CREATE ROLE base_three NOLOGIN; ALTER ROLE \"{_cluster.Endpoint.AdminUser}\" SET log_statement = 'ddl'");
        try
        {
            await using var admin = new PostgresClusterAdministration();
            var issued = await admin.IssueAsync(_cluster.Endpoint, ClusterHarness.Request("base_three"), Ct);
            Assert.Equal("base_three", (await _cluster.WhoAmIAsync(issued)).CurrentUser);
        }
        finally
        {
            await _cluster.ExecAsync($"ALTER ROLE \"{_cluster.Endpoint.AdminUser}\" RESET log_statement");
        }

        var log = await ReadLogAsync();
        Assert.Contains("CREATE ROLE", log, StringComparison.Ordinal); // the operator's setting is in effect
        Assert.DoesNotContain("SCRAM-SHA-256$", log, StringComparison.Ordinal);
    }

    private async Task AssertLogHasNoVerifierAsync(bool expectError)
    {
        var log = await ReadLogAsync();
        if (expectError)
        {
            Assert.Contains("ERROR:", log, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("SCRAM-SHA-256$", log, StringComparison.Ordinal);
    }

    private async Task<string> ReadLogAsync()
    {
        // The server writes its log line by line; the lines of a failed statement are there once the client has the error.
        await using var stream = new FileStream(_own.Server.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Ct);
    }
}
