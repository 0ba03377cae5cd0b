using IamDb.Broker.Hosting;
using IamDb.Client.Caching;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Client.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Client.Tests.EndToEnd;

/// <summary>A real broker with throwaway databases of the test PostgreSQL registered as clusters through <c>RegisterCluster</c>.</summary>
internal sealed class BrokerClusters : IAsyncDisposable
{
    private BrokerClusters(LoopbackBroker broker, IReadOnlyList<(string Cluster, string Database)> clusters)
    {
        Broker = broker;
        Clusters = clusters;
    }

    public LoopbackBroker Broker { get; }

    public IReadOnlyList<(string Cluster, string Database)> Clusters { get; }

    public static async Task<BrokerClusters> StartAsync(PostgresServerFixture postgres, int clusters, Action<BrokerOptions>? configure = null)
    {
        var broker = await LoopbackBroker.StartAsync(o =>
        {
            o.ReaperEnabled = false;
            configure?.Invoke(o);
        });
        try
        {
            var password = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password!;
            var registered = new List<(string, string)>();
            for (var i = 0; i < clusters; i++)
            {
                var database = await postgres.CreateDatabaseAsync("e2e");
                var id = $"cluster{i + 1}-{Guid.NewGuid().ToString("N")[..8]}";
                // A broker configured with a tight rate limit may throttle the registrations themselves: wait and repeat.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await broker.Query.CallAsync(broker.Request("redshift", "RegisterCluster")
                            .Add("ClusterIdentifier", id).Add("Host", postgres.Server.Host).Add("Port", postgres.Server.Port).Add("DBName", database)
                            .Add("MasterUsername", postgres.Server.SuperUser).Add("MasterUserPassword", password));
                        break;
                    }
                    catch (AwsServiceException e) when (e.IsThrottling && attempt < 20)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(600));
                    }
                }

                registered.Add((id, database));
            }

            return new BrokerClusters(broker, registered);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>A Redshift client and cache against the broker, signing as <paramref name="credentials"/> (root by default).</summary>
    public (AwsQueryClient Query, RedshiftClient Client, ClusterCredentialCache Cache) NewCache(
        ClusterCredentialCacheOptions? options = null, Credentials.AwsCredentialSource? credentials = null, AwsQueryClientOptions? queryOptions = null)
    {
        var query = new AwsQueryClient(credentials ?? Broker.RootCredentials, queryOptions);
        var client = new RedshiftClient(query, "us-east-1", Broker.Endpoint);
        return (query, client, new ClusterCredentialCache(client, options));
    }

    /// <summary>How many credentials the broker issued (its own record, through <c>DescribeClusterCredentials</c>).</summary>
    public async Task<int> IssuedCountAsync(string? cluster = null)
    {
        var count = 0;
        string? marker = null;
        do
        {
            var page = await Broker.Query.CallAsync(Broker.Request("redshift", "DescribeClusterCredentials")
                .Add("ClusterIdentifier", cluster).Add("Marker", marker).Add("MaxRecords", 100));
            count += page.Result.Members("Credentials").Count();
            marker = page.Result.Text("Marker");
            marker = string.IsNullOrEmpty(marker) ? null : marker;
        }
        while (marker is not null);

        return count;
    }

    public ValueTask DisposeAsync() => Broker.DisposeAsync();
}
