using System.Text.Json;

namespace IamDb.Broker.State.Audit;

/// <summary>Who made a request, CloudTrail's <c>userIdentity</c>.</summary>
internal sealed record AuditIdentity(string Type)
{
    public string? PrincipalId { get; init; }

    public string? Arn { get; init; }

    public string? AccountId { get; init; }

    public string? AccessKeyId { get; init; }

    public string? UserName { get; init; }
}

/// <summary>
/// One request's audit record, shaped like a CloudTrail event. Request parameters and response elements
/// must already be free of secrets. <see cref="DecisionTrace"/> holds the policy statements that decided.
/// </summary>
internal sealed record AuditRecord(
    string EventId,
    DateTimeOffset EventTime,
    string EventSource,
    string EventName,
    string AwsRegion,
    string SourceIpAddress,
    string RequestId,
    AuditIdentity UserIdentity)
{
    public string? UserAgent { get; init; }

    public string? RecipientAccountId { get; init; }

    public JsonElement? RequestParameters { get; init; }

    public JsonElement? ResponseElements { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public JsonElement? DecisionTrace { get; init; }

    public bool IsSuccess => ErrorCode is null;
}

/// <summary>Success or failure filter for audit queries.</summary>
internal enum AuditOutcome
{
    Any,
    Success,

    /// <summary>Any error, denials included.</summary>
    Error,

    /// <summary>Refused by policy: <c>AccessDenied</c>.</summary>
    Denied,

    /// <summary>An error other than <c>AccessDenied</c> (bad input, failed authentication, throttling, ...).</summary>
    OtherError,
}

/// <summary>Audit filters; null fields do not filter. Times are inclusive from, exclusive to.</summary>
internal sealed record AuditQuery
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public string? PrincipalArn { get; init; }

    /// <summary>
    /// A user or role name, case-insensitive: the user's records (any path) and the sessions of the role. <c>root</c>
    /// matches the account root.
    /// </summary>
    public string? PrincipalName { get; init; }

    public string? EventName { get; init; }

    /// <summary>CloudTrail's eventSource, e.g. <c>sts.amazonaws.com</c>.</summary>
    public string? EventSource { get; init; }

    public string? AccountId { get; init; }

    public AuditOutcome Outcome { get; init; }
}

/// <summary>The audit trail, newest first.</summary>
internal interface IAuditReader
{
    Task<Page<AuditRecord>> QueryAsync(AuditQuery query, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IAuditReader"/>
internal interface IAuditWriter : IAuditReader
{
    /// <summary>Appends a record; durable once the unit of work commits. Records are never changed.</summary>
    Task AppendAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>Appends already serialized records with one statement prepared once and run per row (group commit).</summary>
    Task AppendAsync(IReadOnlyList<SerializedAuditRecord> records, CancellationToken cancellationToken);
}

/// <summary>
/// A record with its CloudTrail JSON, serialized by the request that produced it, so the single audit writer only binds
/// and inserts.
/// </summary>
internal sealed class SerializedAuditRecord
{
    private SerializedAuditRecord(AuditRecord record, string json)
    {
        Record = record;
        Json = json;
    }

    public AuditRecord Record { get; }

    public string Json { get; }

    public static SerializedAuditRecord Create(AuditRecord record) => new(record, AuditJson.Write(record));
}
