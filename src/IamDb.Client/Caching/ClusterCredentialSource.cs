using IamDb.Client.Query;
using IamDb.Client.Redshift;

namespace IamDb.Client.Caching;

/// <summary>
/// The credential of one cache key. <see cref="GetAsync"/> returns the cached credential while it is outside the advisory
/// window (a volatile read and a clock read, no allocation); inside it, returns the cached one and starts a single
/// background refresh; inside the mandatory window or with nothing cached, waits for the one fetch in flight.
/// </summary>
public sealed class ClusterCredentialSource
{
    private readonly ClusterCredentialCache _cache;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private Entry? _entry;
    private Task<ClusterCredentials>? _inflight;
    private long _nextAdvisoryAttempt;
    private bool _triedFile;

    internal ClusterCredentialSource(ClusterCredentialCache cache, CredentialKey key, ClusterCredentialRequest request)
    {
        _cache = cache;
        _time = cache.Time;
        Key = key;
        Request = request;
    }

    /// <summary>The request this source fetches for.</summary>
    public ClusterCredentialRequest Request { get; }

    /// <summary>The cached credential, if any, whatever its age (does not fetch).</summary>
    public ClusterCredentials? Current => Volatile.Read(ref _entry)?.Credentials;

    internal CredentialKey Key { get; }

    /// <summary>A credential with more than the mandatory window left.</summary>
    /// <exception cref="AwsServiceException">the API refused (after retries, for throttling); shared by every waiter.</exception>
    /// <exception cref="AwsNetworkException">no answer (after retries).</exception>
    /// <exception cref="ClusterCredentialException">the service returned a credential that expires too soon to use.</exception>
    public ValueTask<ClusterCredentials> GetAsync(CancellationToken cancellationToken = default)
    {
        var entry = Volatile.Read(ref _entry);
        if (entry is not null && _time.GetTimestamp() < entry.AdvisoryAt)
        {
            _cache.Metrics.Hit();
            return new ValueTask<ClusterCredentials>(entry.Credentials);
        }

        return GetSlow(entry, cancellationToken);
    }

    /// <summary>
    /// Drops the cached credential so the next call fetches a new one — when <paramref name="credentials"/> is null or is
    /// still the cached one (a login refused with it: revoked, or the database restarted). Returns whether it dropped it.
    /// </summary>
    public bool Invalidate(ClusterCredentials? credentials = null)
    {
        lock (_gate)
        {
            var entry = _entry;
            if (entry is null || (credentials is not null && !ReferenceEquals(entry.Credentials, credentials) &&
                                  entry.Credentials.DbPassword != credentials.DbPassword))
            {
                return false;
            }

            Volatile.Write(ref _entry, null);
            ClusterCredentialCache.LogInvalidated(_cache.Logger, Key, entry.Credentials.DbUser);
        }

        TryFile(f => f.Remove(Key.Canonical()));
        return true;
    }

    /// <summary>
    /// Fetches a new credential now, whatever is cached (the cache file is not read), and caches it in place of the old one
    /// (<c>iamdb url --refresh</c>). Callers arriving meanwhile share this fetch.
    /// </summary>
    /// <exception cref="AwsServiceException">the API refused (after retries, for throttling).</exception>
    /// <exception cref="AwsNetworkException">no answer (after retries).</exception>
    public Task<ClusterCredentials> RefreshAsync(CancellationToken cancellationToken = default)
    {
        Entry? seen;
        lock (_gate)
        {
            _triedFile = true;
            seen = _entry;
        }

        _cache.Metrics.Wait();
        var fetch = Start(advisory: false, seen);
        return cancellationToken.CanBeCanceled ? fetch.WaitAsync(cancellationToken) : fetch;
    }

    private ValueTask<ClusterCredentials> GetSlow(Entry? entry, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        if (entry is not null && now < entry.MandatoryAt)
        {
            // Advisory window: keep serving; at most one background refresh, and none too soon after a failed one.
            _cache.Metrics.Hit();
            if (now >= Volatile.Read(ref _nextAdvisoryAttempt))
            {
                _ = Start(advisory: true, entry);
            }

            return new ValueTask<ClusterCredentials>(entry.Credentials);
        }

        if (entry is null && !_triedFile && _cache.PersistentFile is not null && TryLoadFromFile() is { } loaded)
        {
            _cache.Metrics.Hit();
            return new ValueTask<ClusterCredentials>(loaded.Credentials);
        }

        _cache.Metrics.Wait();
        var fetch = Start(advisory: false, entry);
        return new ValueTask<ClusterCredentials>(cancellationToken.CanBeCanceled ? fetch.WaitAsync(cancellationToken) : fetch);
    }

    private Task<ClusterCredentials> Start(bool advisory, Entry? seen)
    {
        TaskCompletionSource<ClusterCredentials> completion;
        lock (_gate)
        {
            if (_inflight is { } running)
            {
                return running;
            }

            // Someone finished a fetch between our read and the lock: use it instead of calling again.
            if (_entry is { } fresh && !ReferenceEquals(fresh, seen) && _time.GetTimestamp() < fresh.MandatoryAt)
            {
                return Task.FromResult(fresh.Credentials);
            }

            completion = new TaskCompletionSource<ClusterCredentials>(TaskCreationOptions.RunContinuationsAsynchronously);
            _inflight = completion.Task;
        }

        _cache.Metrics.Fetch();
        if (seen is not null)
        {
            _cache.Metrics.Refresh();
        }

        if (advisory)
        {
            // The caller that noticed the advisory window gets its credential now; signing and the call run elsewhere.
            _ = Task.Run(() => RunAsync(completion, advisory, seen));
        }
        else
        {
            _ = RunAsync(completion, advisory, seen);
        }

        return completion.Task;
    }

    private async Task RunAsync(TaskCompletionSource<ClusterCredentials> completion, bool advisory, Entry? seen)
    {
        ClusterCredentialCache.LogFetching(_cache.Logger, Key, seen is null ? "none cached" : advisory ? "advisory refresh" : "mandatory refresh");
        try
        {
            var credentials = await FetchWithRetriesAsync(_cache.DisposalToken).ConfigureAwait(false);
            var entry = Entry.Create(credentials, _time, _cache.Options, fromFile: false);
            lock (_gate)
            {
                Volatile.Write(ref _entry, entry);
                _inflight = null;
            }

            ClusterCredentialCache.LogFetched(_cache.Logger, Key, credentials.DbUser, credentials.Expiration, credentials.RequestId);
            TryFile(f => f.Write(Key.Canonical(), credentials));
            completion.SetResult(credentials);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _inflight = null;
                if (advisory)
                {
                    Volatile.Write(ref _nextAdvisoryAttempt, _time.GetTimestamp() + Entry.ToTicks(_cache.Options.AdvisoryRetryInterval, _time));
                }
            }

            _cache.Metrics.Failure();
            if (advisory && seen is not null)
            {
                ClusterCredentialCache.LogAdvisoryFailed(_cache.Logger, Key, seen.Credentials.Expiration, e.Message);
            }
            else
            {
                ClusterCredentialCache.LogFetchFailed(_cache.Logger, Key, e.Message);
            }

            completion.SetException(e);
            _ = completion.Task.Exception; // observed: a background refresh's failure must not surface as unobserved
        }
    }

    private Task<ClusterCredentials> FetchWithRetriesAsync(CancellationToken cancellationToken) =>
        _cache.RetryAsync(
            ct =>
            {
                _cache.Metrics.ApiCall();
                return _cache.Fetcher.FetchAsync(Request, ct);
            },
            Key.ToString(),
            cancellationToken);

    private Entry? TryLoadFromFile()
    {
        lock (_gate)
        {
            if (_triedFile || _entry is not null)
            {
                // Someone else loaded or fetched meanwhile; only a credential outside the mandatory window may be served.
                return _entry is { } other && _time.GetTimestamp() < other.MandatoryAt ? other : null;
            }

            _triedFile = true;
            try
            {
                if (!_cache.PersistentFile!.TryRead(Key.Canonical(), out var stored))
                {
                    return null;
                }

                var entry = Entry.Create(stored, _time, _cache.Options, fromFile: true);
                if (entry is null || _time.GetTimestamp() >= entry.MandatoryAt)
                {
                    return null;
                }

                Volatile.Write(ref _entry, entry);
                ClusterCredentialCache.LogFromFile(_cache.Logger, Key, _cache.PersistentFile.Path);
                return entry;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ClusterCredentialCache.LogFileFailed(_cache.Logger, _cache.PersistentFile!.Path, e.Message);
                return null;
            }
        }
    }

    private void TryFile(Action<PersistentCredentialFile> change)
    {
        if (_cache.PersistentFile is not { } file)
        {
            return;
        }

        try
        {
            change(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ClusterCredentialCache.LogFileFailed(_cache.Logger, file.Path, e.Message);
        }
    }

    /// <summary>A cached credential and the timestamps (of the cache's clock) where its windows begin.</summary>
    private sealed class Entry(ClusterCredentials credentials, long advisoryAt, long mandatoryAt)
    {
        public ClusterCredentials Credentials { get; } = credentials;

        public long AdvisoryAt { get; } = advisoryAt;

        public long MandatoryAt { get; } = mandatoryAt;

        public static long ToTicks(TimeSpan span, TimeProvider time) => (long)(span.TotalSeconds * time.TimestampFrequency);

        /// <summary>
        /// Lifetime is measured on the server's clock (its <c>Date</c> header against <c>Expiration</c>) when it sent one, so a
        /// client clock that is off does not shorten or stretch it; the skew allowance absorbs the rest.
        /// </summary>
        /// <exception cref="ClusterCredentialException">a fresh credential that is already inside the mandatory window.</exception>
        public static Entry? Create(ClusterCredentials credentials, TimeProvider time, ClusterCredentialCacheOptions options, bool fromFile)
        {
            var nowStamp = time.GetTimestamp();
            var serverNow = fromFile ? time.GetUtcNow() : credentials.ServerDate ?? time.GetUtcNow();
            var lifetime = credentials.Expiration - serverNow - options.ClockSkewAllowance;
            var mandatoryIn = lifetime - options.MandatoryRefreshWindow;
            if (mandatoryIn <= TimeSpan.Zero)
            {
                if (fromFile)
                {
                    return null;
                }

                throw new ClusterCredentialException(
                    $"The credential for login {credentials.DbUser} expires at {credentials.Expiration:O}, {lifetime.TotalSeconds:F0} s from now " +
                    $"(allowing {options.ClockSkewAllowance.TotalSeconds:F0} s of clock skew), inside the mandatory refresh window of " +
                    $"{options.MandatoryRefreshWindow.TotalSeconds:F0} s: ask for a longer DurationSeconds, shrink the window, or check the clocks.");
            }

            // Never refresh ahead more often than every half lifetime, whatever the advisory window says.
            var advisoryIn = TimeSpan.FromTicks(Math.Max((lifetime - options.AdvisoryRefreshWindow).Ticks, mandatoryIn.Ticks / 2));
            return new Entry(credentials, nowStamp + ToTicks(advisoryIn, time), nowStamp + ToTicks(mandatoryIn, time));
        }
    }
}

/// <summary>The credential service answered, but with a credential the cache must not hand out.</summary>
public sealed class ClusterCredentialException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterCredentialException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterCredentialException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClusterCredentialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
