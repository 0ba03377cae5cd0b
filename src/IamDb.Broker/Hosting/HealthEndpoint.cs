using System.Globalization;
using System.Text.Json;
using IamDb.Broker.Actions.Redshift;
using IamDb.Broker.Reaper;
using IamDb.Broker.State;
using IamDb.Broker.State.Notifications;
using IamDb.Postgres.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Health for load balancers and operators, without authentication: <c>GET /health/live</c> (the process answers; no
/// store access), <c>GET /health/ready</c> (the store answers and has every migration this build needs; 503 otherwise)
/// and <c>GET /health</c> (store reachability, as before). Readiness also reports each cluster's reachability, this
/// node's reaper role and whether it hears other nodes' changes, none of which fails it: a node that cannot reach one
/// cluster still serves the others. Nothing here names the account, the store or a secret: anyone who can reach the
/// port can read it.
/// </summary>
internal static class HealthEndpoint
{
    public const string Path = "/health";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    /// <summary>True for the paths this endpoint serves.</summary>
    public static bool Serves(PathString path) =>
        path.Equals(Path, StringComparison.Ordinal) || path.Equals(LivePath, StringComparison.Ordinal) || path.Equals(ReadyPath, StringComparison.Ordinal);

    public static Task InvokeAsync(HttpContext http, BrokerRuntime runtime) =>
        http.Request.Path.Value switch
        {
            LivePath => WriteAsync(http, 200, json => json.WriteString("status", "live"), runtime),
            ReadyPath => ReadyAsync(http, runtime),
            _ => StoreAsync(http, runtime),
        };

    private static async Task StoreAsync(HttpContext http, BrokerRuntime runtime)
    {
        var storeOk = await ProbeStoreAsync(http, runtime) is not null;
        await WriteAsync(
            http,
            storeOk ? 200 : 503,
            json =>
            {
                json.WriteString("status", storeOk ? "ok" : "degraded");
                json.WriteString("store", storeOk ? "reachable" : "unreachable");
            },
            runtime);
    }

    private static async Task ReadyAsync(HttpContext http, BrokerRuntime runtime)
    {
        var missing = await ProbeStoreAsync(http, runtime);
        var ready = missing is { Count: 0 };
        var clusters = missing is null
            ? []
            : await http.RequestServices.GetRequiredService<ClusterReachability>().CheckAsync(runtime, http.RequestAborted);
        var feed = http.RequestServices.GetService<StateChangeFeed>()?.Status;
        var reaper = http.RequestServices.GetService<CredentialReaper>()?.Role;
        await WriteAsync(
            http,
            ready ? 200 : 503,
            json =>
            {
                json.WriteString("status", ready ? "ready" : "not_ready");
                json.WriteString("store", missing is null ? "unreachable" : "reachable");
                if (missing is not null)
                {
                    json.WriteString("schema", missing.Count == 0 ? "current" : "missing migrations " + string.Join(", ", missing));
                }

                json.WriteString("changes", feed switch
                {
                    StateChangeFeedStatus.Listening => "listening",
                    StateChangeFeedStatus.Suspended => "not listening (caches bypassed)",
                    _ => "single node",
                });
                if (reaper is not null)
                {
                    json.WriteString("reaper", reaper);
                }

                json.WriteStartArray("clusters");
                foreach (var cluster in clusters)
                {
                    json.WriteStartObject();
                    json.WriteString("cluster", cluster.Cluster);
                    json.WriteBoolean("reachable", cluster.Failure is null);
                    if (cluster.Failure is { } failure)
                    {
                        json.WriteString("failure", failure);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            },
            runtime);
    }

    /// <summary>The migrations the store lacks (empty when current), or null when it does not answer in time.</summary>
    private static async Task<IReadOnlyList<int>?> ProbeStoreAsync(HttpContext http, BrokerRuntime runtime)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(StoreTimeout);
            return await runtime.Coordination.MissingMigrationsAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpContext http, int status, Action<Utf8JsonWriter> body, BrokerRuntime runtime)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteString("time", runtime.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        await http.Response.Body.WriteAsync(buffer.ToArray(), http.RequestAborted);
    }
}

/// <summary>One cluster's reachability for <c>/health/ready</c>: <paramref name="Failure"/> is null when it answered.</summary>
internal sealed record ClusterHealth(string Cluster, string? Failure);

/// <summary>
/// Connects to each registered cluster as its admin (at most <see cref="MaxClusters"/>, in parallel, each within
/// <see cref="Timeout"/>) and remembers the answer for <see cref="Freshness"/>, so a load balancer polling every node
/// every second does not become a load on the clusters.
/// </summary>
internal sealed class ClusterReachability(IClusterAdministration clusters)
{
    public const int MaxClusters = 50;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private (Task<IReadOnlyList<ClusterHealth>> Check, long At)? _last;

    public Task<IReadOnlyList<ClusterHealth>> CheckAsync(BrokerRuntime runtime, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_last is not { } last || (last.Check.IsCompleted && runtime.Time.GetElapsedTime(last.At) >= Freshness))
            {
                _last = (ProbeAllAsync(runtime), runtime.Time.GetTimestamp());
            }

            return _last.Value.Check.WaitAsync(cancellationToken);
        }
    }

    private async Task<IReadOnlyList<ClusterHealth>> ProbeAllAsync(BrokerRuntime runtime)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Timeout + Timeout);
            var page = await runtime.Store.ReadAsync((r, ct) => r.Clusters.ListAsync(runtime.AccountId, new PageRequest(null, MaxClusters), ct), timeout.Token);
            return await Task.WhenAll(page.Items.Select(ProbeAsync));
        }
        catch (Exception)
        {
            return []; // the store part of readiness reports a store that does not answer
        }
    }

    private async Task<ClusterHealth> ProbeAsync(IamDb.Broker.State.Redshift.RedshiftCluster cluster)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await clusters.TestAsync(cluster.Endpoint(), timeout.Token).WaitAsync(timeout.Token);
            return new ClusterHealth(cluster.ClusterIdentifier, null);
        }
        catch (ClusterOperationException ex)
        {
            return new ClusterHealth(cluster.ClusterIdentifier, ex.Failure.ToString());
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            return new ClusterHealth(cluster.ClusterIdentifier, "Timeout");
        }
        catch (Exception)
        {
            return new ClusterHealth(cluster.ClusterIdentifier, "Error");
        }
    }
}
