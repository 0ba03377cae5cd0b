using System.Text.Json;
using IamDb.Broker.Hosting;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Sql;
using Npgsql;

namespace IamDb.Broker.Audit;

/// <summary>Which requests an <see cref="AuditTrail"/> query returns by outcome.</summary>
public enum AuditOutcomeFilter
{
    /// <summary>Every request.</summary>
    Any,

    /// <summary>Requests that succeeded.</summary>
    Success,

    /// <summary>Requests a policy refused (<c>AccessDenied</c>).</summary>
    Denied,

    /// <summary>Requests that failed otherwise: bad input, failed authentication, throttling, missing entities.</summary>
    Error,
}

/// <summary>Filters for <see cref="AuditTrail.ReadAsync"/>; null fields do not filter.</summary>
public sealed record AuditFilter
{
    /// <summary>Records at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Records before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>
    /// A principal ARN (exact), or a user or role name (case-insensitive: the user with any path, the role and its
    /// sessions; <c>root</c> is the account root).
    /// </summary>
    public string? Principal { get; init; }

    /// <summary>
    /// An action name (<c>GetClusterCredentials</c>) or a service-qualified one (<c>sts:AssumeRole</c>; the prefix
    /// is <c>iam</c>, <c>sts</c>, <c>redshift</c> or <c>iamdb</c>).
    /// </summary>
    public string? Action { get; init; }

    /// <summary>Success, denied or error.</summary>
    public AuditOutcomeFilter Outcome { get; init; }
}

/// <summary>One audited request: the CloudTrail-shaped record and the fields a listing shows.</summary>
public sealed class AuditEvent
{
    internal AuditEvent(AuditRecord record)
    {
        Json = AuditJson.Write(record);
        EventTime = record.EventTime;
        EventSource = record.EventSource;
        EventName = record.EventName;
        Principal = record.UserIdentity.Arn ?? (record.UserIdentity.AccessKeyId is { } key ? $"unknown ({key})" : "unknown");
        IdentityType = record.UserIdentity.Type;
        SourceIpAddress = record.SourceIpAddress;
        UserAgent = record.UserAgent;
        ErrorCode = record.ErrorCode;
        ErrorMessage = record.ErrorMessage;
        RequestId = record.RequestId;
        Decisions = record.DecisionTrace is { ValueKind: JsonValueKind.Array } trace
            ? trace.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText()).ToList()
            : record.DecisionTrace is { } other ? [other.GetRawText()] : [];
    }

    /// <summary>The whole record as CloudTrail JSON (compact, one object).</summary>
    public string Json { get; }

    /// <summary>When the request arrived (UTC, millisecond precision).</summary>
    public DateTimeOffset EventTime { get; }

    /// <summary>CloudTrail's eventSource, e.g. <c>sts.amazonaws.com</c>.</summary>
    public string EventSource { get; }

    /// <summary>The action, e.g. <c>AssumeRole</c> (<c>Unknown</c> when the request named none).</summary>
    public string EventName { get; }

    /// <summary>The caller's ARN, or <c>unknown (KEY)</c> when authentication failed.</summary>
    public string Principal { get; }

    /// <summary>CloudTrail's userIdentity type: <c>Root</c>, <c>IAMUser</c>, <c>AssumedRole</c> or <c>Unknown</c>.</summary>
    public string IdentityType { get; }

    /// <summary>The client address.</summary>
    public string SourceIpAddress { get; }

    /// <summary>The client's User-Agent header.</summary>
    public string? UserAgent { get; }

    /// <summary>The AWS error code; null when the request succeeded.</summary>
    public string? ErrorCode { get; }

    /// <summary>The error message; null when the request succeeded.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The request id returned to the client.</summary>
    public string RequestId { get; }

    /// <summary>The authorization decisions: which statement of which policy allowed or denied.</summary>
    public IReadOnlyList<string> Decisions { get; }

    /// <summary>success, denied or error.</summary>
    public string Outcome => ErrorCode is null ? "success" : ErrorCode == "AccessDenied" ? "denied" : "error";
}

/// <summary>The audit trail could not be opened: no state where the options point, or the master key is wrong.</summary>
public sealed class AuditTrailException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a broker's audit trail from its state store (SQLite in a data directory, or the PostgreSQL store of a
/// configuration), newest first. Safe while the broker runs: SQLite readers do not block its writer.
/// </summary>
public sealed class AuditTrail : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Sources = new(StringComparer.OrdinalIgnoreCase)
    {
        ["iam"] = "iam.amazonaws.com",
        ["sts"] = "sts.amazonaws.com",
        ["redshift"] = "redshift.amazonaws.com",
        ["iamdb"] = "redshift.amazonaws.com", // IamDb's own cluster actions are signed for the redshift service
    };

    private readonly IStateStore _store;

    private AuditTrail(IStateStore store) => _store = store;

    /// <summary>The service prefixes <see cref="AuditFilter.Action"/> accepts.</summary>
    public static IReadOnlyCollection<string> ServicePrefixes => Sources.Keys;

    /// <summary>Opens the store that <paramref name="options"/> name, without creating anything.</summary>
    /// <exception cref="AuditTrailException">there is no state there, or the master key does not open it.</exception>
    public static async Task<AuditTrail> OpenAsync(BrokerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = Path.GetFullPath(options.DataDirectory);
        if (options.Store == StoreKind.Sqlite && !File.Exists(Path.Combine(directory, DataDirectory.StateFileName)))
        {
            throw new AuditTrailException(
                $"there is no IamDb state in {directory} (no {DataDirectory.StateFileName}); give the broker's --data-dir or --config, "
                + $"or start one there first: iamdb up --data-dir {directory}");
        }

        if (options.Store == StoreKind.Postgres && string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            throw new AuditTrailException("the configuration names a postgres store without a connection_string");
        }

        try
        {
            var masterKey = options.MasterKey is { } configured ? MasterKey.Parse(configured, "configuration") : LoadExistingMasterKey(directory);
            var protector = new SecretProtector(masterKey);
            IStateStore store = await StateStoreFactory.OpenAsync(BrokerStoreLocation.From(options, directory), protector, cancellationToken: cancellationToken);
            return new AuditTrail(store);
        }
        catch (MasterKeyException ex)
        {
            throw new AuditTrailException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new AuditTrailException($"the state store could not be opened: {ex.Message}", ex);
        }
    }

    /// <summary>Parses a <c>service:Action</c> or bare action filter; false with a reason when the prefix is unknown.</summary>
    public static bool TryParseAction(string text, out string? eventSource, out string eventName, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        eventSource = null;
        problem = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        eventName = colon < 0 ? text : text[(colon + 1)..];
        if (colon >= 0 && !Sources.TryGetValue(text[..colon], out eventSource))
        {
            problem = $"unknown service prefix '{text[..colon]}' (use {string.Join(", ", Sources.Keys)}, or the action alone)";
            return false;
        }

        if (eventName.Length == 0)
        {
            problem = "the action name is empty";
            return false;
        }

        return true;
    }

    /// <summary>At most <paramref name="limit"/> records matching <paramref name="filter"/>, newest first.</summary>
    public async Task<IReadOnlyList<AuditEvent>> ReadAsync(AuditFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        string? source = null;
        string? name = null;
        if (filter.Action is { } action && !TryParseAction(action, out source, out name, out var problem))
        {
            throw new ArgumentException(problem, nameof(filter));
        }

        var principal = filter.Principal;
        var query = new AuditQuery
        {
            From = filter.Since,
            To = filter.Until,
            PrincipalArn = principal is not null && principal.StartsWith("arn:", StringComparison.Ordinal) ? principal : null,
            PrincipalName = principal is not null && !principal.StartsWith("arn:", StringComparison.Ordinal) ? principal : null,
            EventName = name,
            EventSource = source,
            Outcome = filter.Outcome switch
            {
                AuditOutcomeFilter.Success => AuditOutcome.Success,
                AuditOutcomeFilter.Denied => AuditOutcome.Denied,
                AuditOutcomeFilter.Error => AuditOutcome.OtherError,
                _ => AuditOutcome.Any,
            },
        };

        var events = new List<AuditEvent>(Math.Min(limit, 1000));
        string? marker = null;
        do
        {
            var page = await _store.ReadAsync(
                (r, ct) => r.Audit.QueryAsync(query, new PageRequest(marker, Math.Min(limit - events.Count, 1000)), ct),
                cancellationToken);
            events.AddRange(page.Items.Select(record => new AuditEvent(record)));
            marker = page.NextMarker;
        }
        while (marker is not null && events.Count < limit);

        return events;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _store.DisposeAsync();

    // Like MasterKey.Load, but a reader never creates a key: a missing key means the wrong directory or a missing
    // IAMDB_MASTER_KEY, and a new key would only fail the check later with a less helpful message.
    private static MasterKey LoadExistingMasterKey(string directory)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(MasterKey.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(fromEnvironment) && !File.Exists(Path.Combine(directory, MasterKey.FileName)))
        {
            throw new AuditTrailException(
                $"no master key: {MasterKey.EnvironmentVariable} is not set and {Path.Combine(directory, MasterKey.FileName)} does not exist "
                + "(set the key the broker runs with)");
        }

        return MasterKey.Load(directory);
    }
}
