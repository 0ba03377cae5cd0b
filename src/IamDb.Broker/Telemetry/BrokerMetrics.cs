using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// The broker's instruments, on meter <c>IamDb.Broker</c> (exported at <c>/metrics</c> as <c>iamdb_…</c>). Labels are
/// bounded: service, known action, AWS error code, cluster identifier, fixed reasons; never an ARN, a user name, an
/// account id or anything secret. Static so that a component records with one call and no constructor change; with no
/// listener (metrics off) every call costs one enabled check.
/// </summary>
internal static class BrokerMetrics
{
    /// <summary>The meter name to subscribe to.</summary>
    public const string MeterName = "IamDb.Broker";

    /// <summary>The action label of a request whose action the broker does not serve (keeps the label set bounded).</summary>
    public const string UnknownAction = "unknown";

    /// <summary>The outcome label of a request answered without an error.</summary>
    public const string Success = "Success";

    // Request latency spans a cache hit (well under a millisecond) to a slow cluster (seconds).
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "iamdb.requests", "{request}", "Query-protocol requests answered, by service, action and outcome (Success or the AWS error code)");

    private static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        "iamdb.request.duration", "s", "Time from receiving a request to its answer (audit record durable), by service, action and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Counter<long> CredentialsIssued = Meter.CreateCounter<long>(
        "iamdb.credentials.issued", "{credential}", "Temporary database credentials created on a cluster");

    private static readonly Counter<long> CredentialsFailed = Meter.CreateCounter<long>(
        "iamdb.credentials.failed", "{credential}", "Credential issuances a registered cluster refused or could not complete, by reason");

    private static readonly Histogram<double> IssueDuration = Meter.CreateHistogram(
        "iamdb.credentials.issue.duration", "s", "Time the cluster took to create a login role (the DDL transaction), by cluster and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Counter<long> Reaped = Meter.CreateCounter<long>(
        "iamdb.reaper.reaped", "{role}", "Expired or revoked login roles the reaper dropped");

    private static readonly Counter<long> ReapFailures = Meter.CreateCounter<long>(
        "iamdb.reaper.failures", "{failure}", "Reaper failures: a role it could not drop, a cluster it could not visit, a pass that failed");

    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>(
        "iamdb.throttled_requests", "{request}", "Requests answered Throttling: rate (per account and action) or failed_authentication (per client address)");

    private static readonly UpDownCounter<long> AuditQueue = Meter.CreateUpDownCounter<long>(
        "iamdb.audit.queue.depth", "{record}", "Audit records waiting to become durable (queued or in the commit under way)");

    private static readonly Histogram<double> AuditCommitDuration = Meter.CreateHistogram(
        "iamdb.audit.commit.duration", "s", "Time one group commit of audit records took, by outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Counter<long> AuditRecords = Meter.CreateCounter<long>(
        "iamdb.audit.records", "{record}", "Audit records written (ok) or refused by the store (failed; their requests were answered InternalFailure)");

    private static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>(
        "iamdb.store.errors", "{error}", "State store units of work that failed in the database (contention: retries exhausted; failure: unreachable, broken or refused)");

    private static readonly Counter<long> LogLinesDroppedCounter = Meter.CreateCounter<long>(
        "iamdb.log.lines.dropped", "{line}", "Log lines dropped because standard error could not keep up (the log writer's queue was full)");

    private static readonly Lock SourcesGate = new();
    private static Func<IEnumerable<(string Cluster, long Live)>>[] _liveSources = [];

    static BrokerMetrics() =>
        Meter.CreateObservableGauge(
            "iamdb.credentials.live", ObserveLiveCredentials, "{credential}",
            "Credentials neither expired nor revoked, per cluster, as the store holds them (the same on every node)");

    /// <summary>A request was answered.</summary>
    public static void Request(string service, string action, string outcome, double seconds)
    {
        if (!Requests.Enabled && !RequestDuration.Enabled)
        {
            return;
        }

        var tags = new TagList { { "service", service }, { "action", action }, { "outcome", outcome } };
        Requests.Add(1, tags);
        RequestDuration.Record(seconds, tags);
    }

    /// <summary>A cluster created a login role for a credential.</summary>
    public static void CredentialIssued(string cluster, TimeSpan elapsed)
    {
        CredentialsIssued.Add(1, new KeyValuePair<string, object?>("cluster", cluster));
        IssueDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("outcome", "success"));
    }

    /// <summary>A registered cluster refused or failed an issuance (<paramref name="reason"/>: the failure kind, a fixed set).</summary>
    public static void CredentialFailed(string cluster, string reason, TimeSpan elapsed)
    {
        CredentialsFailed.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("reason", reason));
        IssueDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("outcome", "failure"));
    }

    /// <summary>The reaper dropped a login role.</summary>
    public static void RoleReaped(string cluster) => Reaped.Add(1, new KeyValuePair<string, object?>("cluster", cluster));

    /// <summary>The reaper failed: <paramref name="scope"/> is <c>role</c>, <c>cluster</c> or <c>pass</c> (then no cluster).</summary>
    public static void ReapFailed(string scope, string? cluster = null) =>
        ReapFailures.Add(1, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("cluster", cluster ?? string.Empty));

    /// <summary>A request was refused by a throttle; <paramref name="reason"/> is <c>rate</c> or <c>failed_authentication</c>.</summary>
    public static void RequestThrottled(string reason) => Throttled.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>An audit record was queued for the writer.</summary>
    public static void AuditQueued() => AuditQueue.Add(1);

    /// <summary>The writer finished a group commit of <paramref name="records"/> records (durable or refused).</summary>
    public static void AuditCommitted(int records, bool succeeded, TimeSpan elapsed)
    {
        AuditQueue.Add(-records);
        var outcome = new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "failed");
        AuditRecords.Add(records, outcome);
        AuditCommitDuration.Record(elapsed.TotalSeconds, outcome);
    }

    /// <summary>A store unit of work failed in the database; <paramref name="kind"/> is <c>contention</c> or <c>failure</c>.</summary>
    public static void StoreError(string operation, string kind) =>
        StoreErrors.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("kind", kind));

    /// <summary>The log writer dropped a line: its queue was full.</summary>
    public static void LogLinesDropped() => LogLinesDroppedCounter.Add(1);

    /// <summary>Adds a source of per-cluster live credential counts (one per running broker); dispose to remove it.</summary>
    public static IDisposable AddLiveCredentialsSource(Func<IEnumerable<(string Cluster, long Live)>> source)
    {
        lock (SourcesGate)
        {
            _liveSources = [.. _liveSources, source];
        }

        return new Registration(source);
    }

    private static IEnumerable<Measurement<long>> ObserveLiveCredentials()
    {
        foreach (var source in Volatile.Read(ref _liveSources))
        {
            foreach (var (cluster, live) in source())
            {
                yield return new Measurement<long>(live, new KeyValuePair<string, object?>("cluster", cluster));
            }
        }
    }

    private sealed class Registration(Func<IEnumerable<(string Cluster, long Live)>> source) : IDisposable
    {
        public void Dispose()
        {
            lock (SourcesGate)
            {
                _liveSources = [.. _liveSources.Where(s => s != source)];
            }
        }
    }
}
