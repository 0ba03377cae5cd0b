using System.Diagnostics.Metrics;

namespace IamDb.Client.Caching;

/// <summary>A snapshot of one cache's counters (the same numbers its <c>IamDb.Client</c> meter reports).</summary>
/// <param name="Fetches">Credential fetches started: one per single flight, however many callers share it (background and forced refreshes included).</param>
/// <param name="ApiCalls">Credential API calls made (<c>GetClusterCredentials*</c>; each retry counts).</param>
/// <param name="Hits">Requests answered without waiting: from memory or the cache file, including while a background refresh runs.</param>
/// <param name="Waits">Requests that waited for a fetch (nothing cached, the credential inside the mandatory window, or a forced refresh).</param>
/// <param name="Refreshes">Fetches that replace a cached credential (advisory, mandatory or forced); a subset of <paramref name="Fetches"/>.</param>
/// <param name="Failures">Fetches (of credentials or cluster descriptions) that failed after their retries.</param>
/// <param name="Throttles">Throttled answers received (credentials and cluster descriptions).</param>
/// <param name="Retries">Retries waited for (credentials and cluster descriptions).</param>
/// <param name="ClusterFetches">Cluster descriptions fetched (<c>DescribeClusters</c> single flights).</param>
/// <param name="ClusterHits">Cluster descriptions answered from the cache.</param>
public sealed record ClusterCredentialCacheStatistics(
    long Fetches, long ApiCalls, long Hits, long Waits, long Refreshes, long Failures, long Throttles, long Retries, long ClusterFetches, long ClusterHits);

/// <summary>
/// The cache's instruments on meter <c>IamDb.Client</c> (all counters): <c>iamdb.client.cache.fetches</c>,
/// <c>iamdb.client.api_calls</c>, <c>iamdb.client.cache.hits</c>, <c>iamdb.client.cache.waits</c>,
/// <c>iamdb.client.cache.refreshes</c>, <c>iamdb.client.cache.failures</c>, <c>iamdb.client.throttles</c>,
/// <c>iamdb.client.retries</c>, <c>iamdb.client.cluster.fetches</c>, <c>iamdb.client.cluster.hits</c>, plus plain counters
/// for <see cref="Snapshot"/>.
/// </summary>
internal sealed class CredentialCacheMetrics : IDisposable
{
    public const string MeterName = "IamDb.Client";

    private readonly bool _ownsMeter;
    private readonly Counter<long>[] _instruments;
    private readonly long[] _counts = new long[(int)Kind.Count];

    public CredentialCacheMetrics(IMeterFactory? factory)
    {
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = factory is null;
        _instruments = new Counter<long>[(int)Kind.Count];
        _instruments[(int)Kind.Fetch] = Meter.CreateCounter<long>("iamdb.client.cache.fetches", "{fetch}", "Credential fetches started (one per single flight, refreshes included)");
        _instruments[(int)Kind.ApiCall] = Meter.CreateCounter<long>("iamdb.client.api_calls", "{call}", "Credential API calls made, retries included");
        _instruments[(int)Kind.Hit] = Meter.CreateCounter<long>("iamdb.client.cache.hits", "{request}", "Credential requests answered without waiting");
        _instruments[(int)Kind.Wait] = Meter.CreateCounter<long>("iamdb.client.cache.waits", "{request}", "Credential requests that waited for a fetch");
        _instruments[(int)Kind.Refresh] = Meter.CreateCounter<long>("iamdb.client.cache.refreshes", "{fetch}", "Fetches replacing a cached credential");
        _instruments[(int)Kind.Failure] = Meter.CreateCounter<long>("iamdb.client.cache.failures", "{fetch}", "Fetches that failed after their retries");
        _instruments[(int)Kind.Throttle] = Meter.CreateCounter<long>("iamdb.client.throttles", "{answer}", "Throttled answers received");
        _instruments[(int)Kind.Retry] = Meter.CreateCounter<long>("iamdb.client.retries", "{retry}", "Retries after throttling or transient failures");
        _instruments[(int)Kind.ClusterFetch] = Meter.CreateCounter<long>("iamdb.client.cluster.fetches", "{fetch}", "Cluster descriptions fetched (DescribeClusters)");
        _instruments[(int)Kind.ClusterHit] = Meter.CreateCounter<long>("iamdb.client.cluster.hits", "{request}", "Cluster descriptions answered from the cache");
    }

    private enum Kind
    {
        Fetch,
        ApiCall,
        Hit,
        Wait,
        Refresh,
        Failure,
        Throttle,
        Retry,
        ClusterFetch,
        ClusterHit,
        Count,
    }

    public Meter Meter { get; }

    public void Fetch() => Add(Kind.Fetch);

    public void ApiCall() => Add(Kind.ApiCall);

    public void Hit() => Add(Kind.Hit);

    public void Wait() => Add(Kind.Wait);

    public void Refresh() => Add(Kind.Refresh);

    public void Failure() => Add(Kind.Failure);

    public void Throttle() => Add(Kind.Throttle);

    public void Retry() => Add(Kind.Retry);

    public void ClusterFetch() => Add(Kind.ClusterFetch);

    public void ClusterHit() => Add(Kind.ClusterHit);

    public ClusterCredentialCacheStatistics Snapshot() => new(
        Read(Kind.Fetch), Read(Kind.ApiCall), Read(Kind.Hit), Read(Kind.Wait), Read(Kind.Refresh), Read(Kind.Failure),
        Read(Kind.Throttle), Read(Kind.Retry), Read(Kind.ClusterFetch), Read(Kind.ClusterHit));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private void Add(Kind kind)
    {
        Interlocked.Increment(ref _counts[(int)kind]);
        _instruments[(int)kind].Add(1);
    }

    private long Read(Kind kind) => Interlocked.Read(ref _counts[(int)kind]);
}
