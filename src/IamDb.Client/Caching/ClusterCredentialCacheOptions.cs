using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace IamDb.Client.Caching;

/// <summary>
/// Settings of a <see cref="ClusterCredentialCache"/>. The defaults suit 15-minute credentials: refresh in the background
/// from 3 minutes before expiry, never hand out one with less than 1 minute left, assume clocks may differ by 15 seconds
/// beyond what the server's <c>Date</c> header shows, and retry throttling for up to 30 seconds.
/// </summary>
public sealed class ClusterCredentialCacheOptions
{
    /// <summary>From this long before expiry a call still gets the cached credential but starts one background refresh.</summary>
    public TimeSpan AdvisoryRefreshWindow { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>A credential with less than this left is never handed out: callers wait for a fresh one.</summary>
    public TimeSpan MandatoryRefreshWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Subtracted from every credential's lifetime to absorb clock differences and network latency.</summary>
    public TimeSpan ClockSkewAllowance { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>After a failed background refresh, wait this long before another (the current credential keeps serving).</summary>
    public TimeSpan AdvisoryRetryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per fetch, the first included (throttling, 5xx and network failures are retried).</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The first retry waits up to this long (full jitter: a random time between zero and the cap).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>No single retry waits longer than this.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A fetch gives up (with the last error) rather than wait past this much time in total.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a cluster description (<c>DescribeClusters</c>: endpoint, default database) is reused. Default 15 minutes.</summary>
    public TimeSpan ClusterDescriptionLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A file to keep credentials in between processes (for the CLI), created with mode 0600; null (default) keeps them in
    /// memory only. <see cref="DefaultPersistentCacheFile"/> is the per-user default.
    /// </summary>
    public string? PersistentCacheFile { get; init; }

    /// <summary>
    /// The per-user default for <see cref="PersistentCacheFile"/>: <c>$XDG_CACHE_HOME/iamdb/credentials.json</c>, else
    /// <c>~/.cache/iamdb/credentials.json</c> (on Windows under the local application data folder).
    /// </summary>
    public static string DefaultPersistentCacheFile => PersistentCredentialFile.DefaultPath();

    /// <summary>The clock for expiry decisions and retry waits. Default: the system clock.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>The randomness of the retry jitter (tests fix it). Default: <see cref="Random.Shared"/>.</summary>
    internal Random? Jitter { get; init; }

    /// <summary>Loggers (credentials are logged by login name and expiry, never the password).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Creates the cache's <c>IamDb.Client</c> meter; default: a meter of its own.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">a setting is out of range; the message names it.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (MandatoryRefreshWindow < TimeSpan.Zero)
        {
            problems.Add("MandatoryRefreshWindow must not be negative");
        }

        if (AdvisoryRefreshWindow < MandatoryRefreshWindow)
        {
            problems.Add("AdvisoryRefreshWindow must be at least MandatoryRefreshWindow");
        }

        if (ClockSkewAllowance < TimeSpan.Zero)
        {
            problems.Add("ClockSkewAllowance must not be negative");
        }

        if (MaxAttempts < 1)
        {
            problems.Add("MaxAttempts must be at least 1");
        }

        if (RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
        {
            problems.Add("RetryBaseDelay must be positive and RetryMaxDelay at least RetryBaseDelay");
        }

        if (RetryBudget < TimeSpan.Zero || AdvisoryRetryInterval < TimeSpan.Zero || ClusterDescriptionLifetime < TimeSpan.Zero)
        {
            problems.Add("RetryBudget, AdvisoryRetryInterval and ClusterDescriptionLifetime must not be negative");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid credential cache options: " + string.Join("; ", problems) + ".");
        }
    }
}
