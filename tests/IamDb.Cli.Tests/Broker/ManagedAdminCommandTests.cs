using System.Globalization;
using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Broker;

/// <summary>
/// <c>iamdb clusters add</c> and <c>clusters test</c> with a CREATEROLE admin that owns one database and not another
/// (a server of its own, set up as a managed service hands it over): both name the skipped database and why.
/// </summary>
public sealed class ManagedAdminCommandTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _server = new();
    private BrokerKit _kit = null!;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        foreach (var sql in new[]
        {
            "CREATE ROLE mgr LOGIN CREATEROLE PASSWORD 'managed-admin-password-1'", "CREATE ROLE svc NOLOGIN",
            "CREATE DATABASE appdb OWNER mgr", "CREATE DATABASE svcdb OWNER svc",
        })
        {
            await using var source = _server.CreateDataSource();
            await using var command = source.CreateCommand(sql);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        _kit = await BrokerKit.StartAsync(_server);
    }

    public async ValueTask DisposeAsync()
    {
        await _kit.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ClustersAddAndTest_ManagedAdmin_ReportTheSkippedDatabaseWithTheReason()
    {
        _kit.Cli.Environment["MANAGED_ADMIN_PASSWORD"] = "managed-admin-password-1";

        var add = await _kit.RunAsync("clusters", "add", "managed", "--host", _server.Server.Host, "--port", _server.Server.Port.ToString(CultureInfo.InvariantCulture),
            "--database", "appdb", "--admin-user", "mgr", "--admin-password-env", "MANAGED_ADMIN_PASSWORD");

        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        Assert.Contains("databases the admin may not prepare", add.Stdout, StringComparison.Ordinal);
        Assert.Contains("svcdb: only its owner (\"svc\")", add.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("appdb:", add.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("managed-admin-password-1", add.Stdout + add.Stderr, StringComparison.Ordinal);

        var test = await _kit.RunAsync("clusters", "test", "managed", "-o", "json");
        Assert.True(test.ExitCode == ExitCodes.Ok, test.ToString());
        using var json = JsonDocument.Parse(test.Stdout);
        var skipped = json.RootElement.GetProperty("SkippedDatabases").EnumerateArray()
            .ToDictionary(s => s.GetProperty("DatabaseName").GetString()!, s => s.GetProperty("Reason").GetString()!);
        Assert.Equal(["postgres", "svcdb", "template1"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("to fix:", skipped["svcdb"], StringComparison.Ordinal);
    }
}
