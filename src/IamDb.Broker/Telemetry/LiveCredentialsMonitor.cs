using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// Feeds the <c>iamdb_credentials_live</c> gauge: every <paramref name="interval"/> it counts, per registered cluster,
/// the credentials the store holds as neither expired nor revoked, and the gauge reports the last count. Reading the
/// store on a timer rather than at scrape time keeps a scrape cheap and a store outage out of <c>/metrics</c>. Every node
/// counts the same shared store, so aggregate with <c>max</c>, not <c>sum</c>.
/// </summary>
internal sealed partial class LiveCredentialsMonitor(
    IStateStore store, string accountId, TimeProvider time, TimeSpan interval, ILogger<LiveCredentialsMonitor> logger) : BackgroundService
{
    // Bounded work per refresh: past this many live credentials the count stops (and says so in the log).
    private const int MaxPages = 100;

    private IReadOnlyList<(string Cluster, long Live)> _last = [];

    /// <summary>The counts of the last refresh.</summary>
    public IReadOnlyList<(string Cluster, long Live)> Last => Volatile.Read(ref _last);

    /// <summary>Counts now and keeps the result for the gauge.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (clusters, live, complete) = await store.ReadAsync(
            async (r, c) =>
            {
                var registered = await Pages.ReadAllAsync(p => r.Clusters.ListAsync(accountId, p, c));
                var counts = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
                string? marker = null;
                var pages = 0;
                do
                {
                    var page = await r.Credentials.ListAsync(new CredentialQuery(accountId) { ActiveAt = now }, new PageRequest(marker, PageRequest.MaxMaxItems), c);
                    foreach (var credential in page.Items)
                    {
                        counts[credential.ClusterIdentifier] = counts.GetValueOrDefault(credential.ClusterIdentifier) + 1;
                    }

                    marker = page.NextMarker;
                }
                while (marker is not null && ++pages < MaxPages);
                return (registered, counts, marker is null);
            },
            ct);
        if (!complete)
        {
            LogIncomplete(logger, MaxPages * PageRequest.MaxMaxItems);
        }

        Volatile.Write(ref _last, clusters.Select(c => (c.ClusterIdentifier, live.GetValueOrDefault(c.ClusterIdentifier))).ToList());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var registration = BrokerMetrics.AddLiveCredentialsSource(() => Last);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The gauge keeps its last value; the store error itself is counted by the metered store.
                LogRefreshFailed(logger, ex.GetType().Name, ex.Message);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Counting live credentials for metrics stopped at {Limit}: iamdb_credentials_live is a lower bound")]
    private static partial void LogIncomplete(ILogger logger, int limit);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Could not count live credentials for metrics: {Error}: {Message}")]
    private static partial void LogRefreshFailed(ILogger logger, string error, string message);
}
