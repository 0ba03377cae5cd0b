using System.Data.Common;
using IamDb.Client.Caching;
using IamDb.Client.DataSources;
using IamDb.Client.DependencyInjection;
using IamDb.Client.Tests.EndToEnd;
using IamDb.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IamDb.Client.Tests.DependencyInjection;

/// <summary><c>AddIamDbDataSource</c> with a real <see cref="ServiceCollection"/>, in-memory configuration and the real broker.</summary>
[Collection(nameof(Support.SharedPostgresServer))]
public sealed class AddIamDbDataSourceTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DataSourcesBoundFromConfiguration_ResolveWithoutCalls_AndLogInOnFirstUse()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 2);
        var (first, second) = (env.Clusters[0].Cluster, env.Clusters[1].Cluster);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["IamDb:Orders:Region"] = "us-east-1",
            ["IamDb:Orders:EndpointUrl"] = env.Broker.Endpoint.ToString(),
            ["IamDb:Orders:Profile"] = "iamdb",
            ["IamDb:Orders:CredentialsFile"] = env.Broker.Host.CredentialsFilePath,
            ["IamDb:Orders:ClusterIdentifier"] = first,
            ["IamDb:Orders:DbUser"] = "di_orders",
            ["IamDb:Orders:AutoCreate"] = "true",
            ["IamDb:Orders:SslMode"] = "Disable",
            ["IamDb:Orders:MaxPoolSize"] = "5",
            ["IamDb:Orders:MaxConnections"] = "12",
            ["IamDb:Billing:Region"] = "us-east-1",
            ["IamDb:Billing:EndpointUrl"] = env.Broker.Endpoint.ToString(),
            ["IamDb:Billing:Profile"] = "iamdb",
            ["IamDb:Billing:CredentialsFile"] = env.Broker.Host.CredentialsFilePath,
            ["IamDb:Billing:ClusterIdentifier"] = second,
            ["IamDb:Billing:DbUser"] = "di_billing",
            ["IamDb:Billing:AutoCreate"] = "true",
            ["IamDb:Billing:SslMode"] = "Disable",
        }).Build();
        var services = new ServiceCollection();
        services.AddIamDbDataSource(configuration.GetSection("IamDb:Orders"));
        services.AddIamDbDataSource(configuration.GetSection("IamDb:Billing"), o => o.MaxPoolSize = 7, serviceKey: "billing");
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var orders = provider.GetRequiredService<ClusterDataSource>();
        var ordersCache = provider.GetRequiredService<ClusterCredentialCache>();
        var billing = provider.GetRequiredKeyedService<ClusterDataSource>("billing");
        var budget = provider.GetRequiredService<ConnectionBudget>();

        Assert.Same(orders, provider.GetRequiredService<DbDataSource>());
        Assert.Same(billing, provider.GetRequiredKeyedService<DbDataSource>("billing"));
        Assert.NotSame(orders, billing);
        Assert.Equal(0, ordersCache.Statistics.ClusterFetches + ordersCache.Statistics.Fetches);
        Assert.Equal(string.Empty, orders.ConnectionString);
        Assert.Equal(12, budget.MaxConnections);
        Assert.Equal(12, budget.Reserved);
        Assert.Equal(7, billing.MaxPoolSize);
        Assert.Equal(0, await env.IssuedCountAsync());

        await using (var connection = await orders.OpenConnectionAsync(Ct))
        {
            Assert.StartsWith("IAMA:di_orders", await SessionUserAsync(connection));
            Assert.Equal(5, new NpgsqlConnectionStringBuilder(connection.ConnectionString).MaxPoolSize);
        }

        await using (var connection = await billing.OpenConnectionAsync(Ct))
        {
            Assert.StartsWith("IAMA:di_billing", await SessionUserAsync(connection));
        }

        Assert.Equal(1, ordersCache.Statistics.ClusterFetches);
        Assert.Equal(1, ordersCache.Statistics.Fetches);
        Assert.Equal(env.Clusters[0].Database, orders.Database);
        Assert.Equal(2, await env.IssuedCountAsync());
        await provider.DisposeAsync();
        Assert.Equal(0, budget.Reserved);
    }

    [Fact]
    public async Task MissingSettings_FailOnResolution_WithAMessageNamingThem()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["IamDb:DbUser"] = "x" }).Build();
        var services = new ServiceCollection();
        services.AddIamDbDataSource(configuration.GetSection("IamDb"));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ClusterDataSource>());

        Assert.Contains("Region is required", error.Message);
        Assert.Contains("ClusterIdentifier is required", error.Message);
    }

    private static async Task<string> SessionUserAsync(NpgsqlConnection connection) =>
        (string)(await new NpgsqlCommand("SELECT session_user::text", connection).ExecuteScalarAsync(Ct))!;
}
