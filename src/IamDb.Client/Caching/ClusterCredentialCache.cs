using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IamDb.Client.Caching;

/// <summary>
/// Temporary database credentials cached per key (endpoint, region, caller identity, cluster, database user, database,
/// sorted groups, AutoCreate, duration, WithIAM), refreshed ahead of expiry, one API call per key however many callers
/// wait, throttling retried with backoff. Get a <see cref="ClusterCredentialSource"/> once per key with
/// <see cref="GetSource"/> and call <see cref="ClusterCredentialSource.GetAsync"/> per connection: a hit allocates nothing.
/// </summary>
public sealed partial class ClusterCredentialCache : IDisposable
{
    private readonly ConcurrentDictionary<CredentialKey, ClusterCredentialSource> _sources = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly Dictionary<string, ClusterEntry> _clusters = new(StringComparer.Ordinal);
    private readonly Lock _clusterGate = new();

    /// <summary>A cache fetching through <paramref name="client"/> (AWS or the IamDb broker).</summary>
    public ClusterCredentialCache(RedshiftClient client, ClusterCredentialCacheOptions? options = null)
        : this(new RedshiftCredentialFetcher(client ?? throw new ArgumentNullException(nameof(client))), options)
    {
        Client = client;
    }

    internal ClusterCredentialCache(IClusterCredentialFetcher fetcher, ClusterCredentialCacheOptions? options = null)
    {
        Options = options ?? new ClusterCredentialCacheOptions();
        Options.Validate();
        Fetcher = fetcher;
        Time = Options.Time ?? TimeProvider.System;
        Jitter = Options.Jitter ?? Random.Shared;
        Logger = (Options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("IamDb.Client.Caching");
        Metrics = new CredentialCacheMetrics(Options.MeterFactory);
        PersistentFile = Options.PersistentCacheFile is { } path ? new PersistentCredentialFile(path, Time) : null;
    }

    /// <summary>The Redshift client fetching for this cache (null for an internal fetcher).</summary>
    public RedshiftClient? Client { get; }

    /// <summary>The settings.</summary>
    public ClusterCredentialCacheOptions Options { get; }

    /// <summary>The counters so far.</summary>
    public ClusterCredentialCacheStatistics Statistics => Metrics.Snapshot();

    /// <summary>The cache's meter (<c>IamDb.Client</c>).</summary>
    public Meter Meter => Metrics.Meter;

    internal IClusterCredentialFetcher Fetcher { get; }

    internal TimeProvider Time { get; }

    internal Random Jitter { get; }

    internal ILogger Logger { get; }

    internal CredentialCacheMetrics Metrics { get; }

    internal PersistentCredentialFile? PersistentFile { get; }

    internal CancellationToken DisposalToken => _disposed.Token;

    /// <summary>The one source for <paramref name="request"/>'s key (the same object every time for the same key).</summary>
    /// <exception cref="ArgumentException">the request is incomplete or out of range.</exception>
    public ClusterCredentialSource GetSource(ClusterCredentialRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        request.Validate();
        var key = CredentialKey.From(Fetcher.Endpoint, Fetcher.Region, Fetcher.Identity, request);
        return _sources.GetOrAdd(key, static (k, state) => new ClusterCredentialSource(state.Cache, k, state.Request), (Cache: this, Request: request));
    }

    /// <summary>A credential for <paramref name="request"/> (looks the source up each time: keep the source on hot paths).</summary>
    public ValueTask<ClusterCredentials> GetAsync(ClusterCredentialRequest request, CancellationToken cancellationToken = default) =>
        GetSource(request).GetAsync(cancellationToken);

    /// <summary>
    /// The cluster's description (<c>DescribeClusters</c>: endpoint, default database), cached for
    /// <see cref="ClusterCredentialCacheOptions.ClusterDescriptionLifetime"/>: one call per cluster however many callers
    /// wait, throttling and transient failures retried with the same backoff and budget as credential fetches, failures
    /// not cached.
    /// </summary>
    /// <exception cref="InvalidOperationException">the cache was built without a <see cref="RedshiftClient"/>.</exception>
    /// <exception cref="AwsServiceException">e.g. <c>ClusterNotFound</c>, <c>AccessDenied</c>, or throttling past the retry budget.</exception>
    /// <exception cref="AwsNetworkException">no answer (after retries).</exception>
    public Task<RedshiftCluster> DescribeClusterAsync(string clusterIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterIdentifier);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var client = Client ?? throw new InvalidOperationException("Give Host and Port: this cache has no Redshift client to describe the cluster with.");
        Task<RedshiftCluster> task;
        lock (_clusterGate)
        {
            if (_clusters.TryGetValue(clusterIdentifier, out var entry) &&
                (!entry.Task.IsCompleted || (entry.Task.IsCompletedSuccessfully && Time.GetElapsedTime(entry.FetchedAt) < Options.ClusterDescriptionLifetime)))
            {
                Metrics.ClusterHit();
                task = entry.Task;
            }
            else
            {
                Metrics.ClusterFetch();
                entry = new ClusterEntry();
                entry.Task = FetchClusterAsync(client, clusterIdentifier, entry);
                _clusters[clusterIdentifier] = entry;
                task = entry.Task;
            }
        }

        return cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;
    }

    /// <summary>Stops background refreshes and fails waiting callers with <see cref="OperationCanceledException"/>.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        // The token source is only cancelled, never disposed: background refreshes may still read its token.
        _disposed.Cancel();
        Metrics.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="call"/>, retrying throttling, 5xx and network failures with exponential backoff and full
    /// jitter within <see cref="ClusterCredentialCacheOptions.MaxAttempts"/> and <see cref="ClusterCredentialCacheOptions.RetryBudget"/>.
    /// </summary>
    internal async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, string what, CancellationToken cancellationToken)
    {
        var started = Time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (AwsClientException e) when (e.IsRetryable)
            {
                if (e is AwsServiceException { IsThrottling: true })
                {
                    Metrics.Throttle();
                }

                if (attempt >= Options.MaxAttempts)
                {
                    throw;
                }

                // Full jitter (a random wait between zero and the exponential cap) spreads a fleet's retries apart.
                var cap = Math.Min(Options.RetryMaxDelay.TotalMilliseconds, Options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
#pragma warning disable CA5394 // Jitter needs spread, not unpredictability.
                var delay = TimeSpan.FromMilliseconds(Jitter.NextDouble() * cap);
#pragma warning restore CA5394
                if (Time.GetElapsedTime(started) + delay > Options.RetryBudget)
                {
                    throw;
                }

                Metrics.Retry();
                LogRetry(Logger, what, attempt, e is AwsServiceException s ? s.Code : "network", delay.TotalMilliseconds);
                await Task.Delay(delay, Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<RedshiftCluster> FetchClusterAsync(RedshiftClient client, string clusterIdentifier, ClusterEntry entry)
    {
        // Leave the caller's lock before any work.
        await Task.Yield();
        try
        {
            var cluster = await RetryAsync(ct => client.DescribeClusterAsync(clusterIdentifier, ct), "DescribeClusters " + clusterIdentifier, DisposalToken)
                .ConfigureAwait(false);
            entry.FetchedAt = Time.GetTimestamp();
            return cluster;
        }
        catch (Exception e)
        {
            Metrics.Failure();
            LogClusterFailed(Logger, clusterIdentifier, e.Message);
            throw;
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Fetching a credential for {Key} ({Reason})")]
    internal static partial void LogFetching(ILogger logger, CredentialKey key, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Credential for {Key}: login {DbUser}, expires {Expiration:O}, request id {RequestId}")]
    internal static partial void LogFetched(ILogger logger, CredentialKey key, string dbUser, DateTimeOffset expiration, string? requestId);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Fetching a credential for {Key} failed: {Error}")]
    internal static partial void LogFetchFailed(ILogger logger, CredentialKey key, string error);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Background refresh for {Key} failed; still serving the current credential (expires {Expiration:O}): {Error}")]
    internal static partial void LogAdvisoryFailed(ILogger logger, CredentialKey key, DateTimeOffset expiration, string error);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "{Key}: attempt {Attempt} failed ({Code}); retrying in {DelayMs:F0} ms")]
    internal static partial void LogRetry(ILogger logger, string key, int attempt, string code, double delayMs);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Credential for {Key} (login {DbUser}) invalidated")]
    internal static partial void LogInvalidated(ILogger logger, CredentialKey key, string dbUser);

    [LoggerMessage(EventId = 16, Level = LogLevel.Debug, Message = "Credential for {Key} reused from {Path}")]
    internal static partial void LogFromFile(ILogger logger, CredentialKey key, string path);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Could not update the credential cache file {Path}: {Error}")]
    internal static partial void LogFileFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Describing cluster {Cluster} failed: {Error}")]
    internal static partial void LogClusterFailed(ILogger logger, string cluster, string error);

    /// <summary>One cluster's description: the fetch (in flight or done) and when it completed.</summary>
    private sealed class ClusterEntry
    {
        public Task<RedshiftCluster> Task { get; set; } = null!;

        public long FetchedAt { get; set; }
    }
}
