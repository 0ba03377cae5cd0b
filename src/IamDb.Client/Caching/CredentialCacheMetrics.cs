using System.Diagnostics.Metrics;

namespace IamDb.Client.Caching;

/// <summary>A snapshot of one cache's counters (the same numbers its <c>IamDb.Client</c> meter reports).</summary>
/// <param name="ApiCalls">HTTP calls made (each retry counts).</param>
/// <param name="Hits">Calls answered from the cache (including while a background refresh runs).</param>
/// <param name="Misses">Calls that had to wait for a fetch (no credential, or one inside the mandatory window).</param>
/// <param name="Refreshes">Fetches started to replace a credential nearing expiry.</param>
/// <param name="Failures">Fetches that failed after their retries.</param>
/// <param name="Throttles">Throttled answers received.</param>
/// <param name="Retries">Retries waited for.</param>
public sealed record ClusterCredentialCacheStatistics(long ApiCalls, long Hits, long Misses, long Refreshes, long Failures, long Throttles, long Retries);

/// <summary>
/// The cache's instruments on meter <c>IamDb.Client</c>: <c>iamdb.client.api_calls</c>, <c>iamdb.client.cache.hits</c>,
/// <c>iamdb.client.cache.misses</c>, <c>iamdb.client.cache.refreshes</c>, <c>iamdb.client.api_failures</c>,
/// <c>iamdb.client.throttles</c>, <c>iamdb.client.retries</c>, plus plain counters for <see cref="Snapshot"/>.
/// </summary>
internal sealed class CredentialCacheMetrics : IDisposable
{
    public const string MeterName = "IamDb.Client";

    private readonly bool _ownsMeter;
    private readonly Counter<long> _apiCalls;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _throttles;
    private readonly Counter<long> _retries;
    private long _apiCallCount;
    private long _hitCount;
    private long _missCount;
    private long _refreshCount;
    private long _failureCount;
    private long _throttleCount;
    private long _retryCount;

    public CredentialCacheMetrics(IMeterFactory? factory)
    {
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = factory is null;
        _apiCalls = Meter.CreateCounter<long>("iamdb.client.api_calls", "{call}", "Credential API calls made, retries included");
        _hits = Meter.CreateCounter<long>("iamdb.client.cache.hits", "{request}", "Requests answered from the cache");
        _misses = Meter.CreateCounter<long>("iamdb.client.cache.misses", "{request}", "Requests that waited for a fetch");
        _refreshes = Meter.CreateCounter<long>("iamdb.client.cache.refreshes", "{fetch}", "Fetches replacing a credential near expiry");
        _failures = Meter.CreateCounter<long>("iamdb.client.api_failures", "{fetch}", "Fetches that failed after retries");
        _throttles = Meter.CreateCounter<long>("iamdb.client.throttles", "{answer}", "Throttled answers");
        _retries = Meter.CreateCounter<long>("iamdb.client.retries", "{retry}", "Retries after throttling or transient failures");
    }

    public Meter Meter { get; }

    public void Hit()
    {
        Interlocked.Increment(ref _hitCount);
        _hits.Add(1);
    }

    public void Miss()
    {
        Interlocked.Increment(ref _missCount);
        _misses.Add(1);
    }

    public void ApiCall()
    {
        Interlocked.Increment(ref _apiCallCount);
        _apiCalls.Add(1);
    }

    public void Refresh()
    {
        Interlocked.Increment(ref _refreshCount);
        _refreshes.Add(1);
    }

    public void Failure()
    {
        Interlocked.Increment(ref _failureCount);
        _failures.Add(1);
    }

    public void Throttle()
    {
        Interlocked.Increment(ref _throttleCount);
        _throttles.Add(1);
    }

    public void Retry()
    {
        Interlocked.Increment(ref _retryCount);
        _retries.Add(1);
    }

    public ClusterCredentialCacheStatistics Snapshot() => new(
        Interlocked.Read(ref _apiCallCount), Interlocked.Read(ref _hitCount), Interlocked.Read(ref _missCount),
        Interlocked.Read(ref _refreshCount), Interlocked.Read(ref _failureCount), Interlocked.Read(ref _throttleCount),
        Interlocked.Read(ref _retryCount));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }
}
