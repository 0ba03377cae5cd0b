using System.Net;
using System.Text.Json;
using IamDb.Broker.Hosting;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.MultiNode;

/// <summary>
/// <c>/health/live</c> and <c>/health/ready</c> for load balancers: readiness follows the store, reports each cluster's
/// reachability without failing on it, and neither shows the account id or anything secret.
/// </summary>
public sealed class HealthEndpointTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task Ready_StoreCurrent_Is200AndReportsClustersReachableOrNot_WithoutAccountOrSecrets()
    {
        var database = await postgres.CreateDatabaseAsync("ready");
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
        });
        var adminPassword = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password!;
        await broker.Store.WriteAsync(async (w, ct) =>
        {
            var now = broker.Time.GetUtcNow();
            await w.Clusters.CreateAsync(
                new RedshiftCluster(broker.AccountId, "up", "us-east-1", postgres.Server.Host, postgres.Server.Port, database, postgres.Server.SuperUser, new SecretString(adminPassword), now),
                ct);
            await w.Clusters.CreateAsync(
                new RedshiftCluster(broker.AccountId, "down", "us-east-1", "127.0.0.1", ClosedPort(), "postgres", "admin", new SecretString("not-a-real-password"), now),
                ct);
        }, TestContext.Current.CancellationToken);

        var (status, json, text) = await GetJsonAsync(broker, HealthEndpoint.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", json.GetProperty("status").GetString());
        Assert.Equal("reachable", json.GetProperty("store").GetString());
        Assert.Equal("current", json.GetProperty("schema").GetString());
        var clusters = json.GetProperty("clusters").EnumerateArray().ToDictionary(c => c.GetProperty("cluster").GetString()!, c => c);
        Assert.True(clusters["up"].GetProperty("reachable").GetBoolean(), text);
        Assert.False(clusters["down"].GetProperty("reachable").GetBoolean());
        Assert.Equal("Unreachable", clusters["down"].GetProperty("failure").GetString());
        Assert.DoesNotContain(broker.AccountId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(adminPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(database, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreGone_ReadyIs503_LiveStays200_AndHealthKeepsItsShape()
    {
        var database = await postgres.CreateDatabaseAsync("gone");
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            o.ReaperEnabled = false;
        });
        Assert.Equal(HttpStatusCode.OK, (await GetJsonAsync(broker, HealthEndpoint.ReadyPath)).Status);

        await using (var admin = postgres.CreateDataSource())
        await using (var drop = admin.CreateCommand($"DROP DATABASE \"{database}\" WITH (FORCE)"))
        {
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var ready = await GetJsonAsync(broker, HealthEndpoint.ReadyPath);
        var live = await GetJsonAsync(broker, HealthEndpoint.LivePath);
        var health = await GetJsonAsync(broker, HealthEndpoint.Path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
        Assert.Equal("not_ready", ready.Json.GetProperty("status").GetString());
        Assert.Equal("unreachable", ready.Json.GetProperty("store").GetString());
        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.Equal("live", live.Json.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.Equal("unreachable", health.Json.GetProperty("store").GetString());
    }

    [Fact]
    public async Task SqliteStore_ReadyReportsASingleNode()
    {
        await using var broker = await TestBroker.StartAsync();

        var (status, json, text) = await GetJsonAsync(broker, HealthEndpoint.ReadyPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("single node", json.GetProperty("changes").GetString());
        Assert.Empty(json.GetProperty("clusters").EnumerateArray());
        Assert.DoesNotContain(broker.AccountId, text, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json, string Text)> GetJsonAsync(TestBroker broker, string path)
    {
        using var response = await broker.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
