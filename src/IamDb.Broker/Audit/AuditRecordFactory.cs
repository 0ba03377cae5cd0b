using System.Text.Json;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Broker.Actions;
using IamDb.Broker.State.Audit;

namespace IamDb.Broker.Audit;

/// <summary>Builds the CloudTrail-shaped record of one request from what the pipeline and the handler learned.</summary>
internal static class AuditRecordFactory
{
    // Most calls (GetCallerIdentity, list and get actions without parameters) record "{}": one shared element.
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    // What SafeParameters returns for a request with nothing to record (no allocation per GetCallerIdentity).
    private static readonly IReadOnlyDictionary<string, object?> NoParameters = new Dictionary<string, object?>(0, StringComparer.Ordinal).AsReadOnly();

    /// <summary>What the pipeline knows about a request when it is answered.</summary>
    internal sealed record RequestFacts(
        string RequestId,
        DateTimeOffset EventTime,
        string Service,
        string? Action,
        string Region,
        string SourceIp,
        string? UserAgent,
        string? AccessKeyId,
        CallerIdentity? Caller,
        string RecipientAccountId);

    public static AuditRecord Create(RequestFacts facts, QueryParameters parameters, AuditDetails? details, AwsError? error)
    {
        var identity = facts.Caller is { } caller
            ? new AuditIdentity(IdentityType(caller))
            {
                PrincipalId = caller.UserId,
                Arn = caller.Arn,
                AccountId = caller.AccountId,
                AccessKeyId = caller.AccessKeyId,
                UserName = caller.UserName,
            }
            : new AuditIdentity("Unknown") { AccessKeyId = facts.AccessKeyId };

        var requestParameters = details is not null && details.RequestParameters.Count > 0
            ? ToElement(details.RequestParameters)
            : ToElement(SafeParameters(parameters));

        // A time-ordered (version 7) UUID: the unique index on event_id then grows at its end like the time index, instead
        // of every record dirtying a random leaf page (read, rewritten to the WAL, checkpointed) of an index larger than the cache.
        return new AuditRecord(
            Guid.CreateVersion7(facts.EventTime).ToString("D"),
            facts.EventTime,
            EventSource(facts.Service),
            facts.Action ?? "Unknown",
            facts.Region,
            facts.SourceIp,
            facts.RequestId,
            identity)
        {
            UserAgent = facts.UserAgent is { } agent ? AuditLimits.Truncate(agent, AuditLimits.MaxUserAgentChars) : null,
            RecipientAccountId = facts.RecipientAccountId,
            RequestParameters = requestParameters,
            ResponseElements = details is { ResponseElements.Count: > 0 } && error is null ? ToElement(WithoutSecrets(details.ResponseElements)) : null,
            ErrorCode = error?.Code,
            ErrorMessage = error?.Message is { } message ? AuditLimits.Truncate(message, AuditLimits.MaxErrorMessageChars) : null,
            DecisionTrace = details is { Decisions.Count: > 0 } ? JsonSerializer.SerializeToElement(details.Decisions, AuditJsonContext.Default.ListString) : null,
        };
    }

    /// <summary>
    /// <paramref name="record"/> cut to fit <see cref="AuditLimits.MaxRecordChars"/>: its request parameters and response
    /// elements become a marker saying how large the record was, and its decisions are limited in number and length.
    /// </summary>
    public static AuditRecord Shrink(AuditRecord record, int serializedChars)
    {
        var marker = new Dictionary<string, string?>(1, StringComparer.Ordinal) { ["truncated"] = AuditLimits.Marker(serializedChars) };
        var removed = JsonSerializer.SerializeToElement(marker, AuditJsonContext.Default.DictionaryStringString);
        JsonElement? decisions = null;
        if (record.DecisionTrace is { ValueKind: JsonValueKind.Array } trace)
        {
            var kept = trace.EnumerateArray().Take(AuditLimits.MaxDecisionsWhenShrunk)
                .Select(d => AuditLimits.Truncate(d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText(), AuditLimits.MaxDecisionChars))
                .ToList();
            decisions = JsonSerializer.SerializeToElement(kept, AuditJsonContext.Default.ListString);
        }

        return record with
        {
            RequestParameters = record.RequestParameters is null ? null : removed,
            ResponseElements = record.ResponseElements is null ? null : removed,
            DecisionTrace = decisions,
        };
    }

    /// <summary>The request's parameters minus the protocol ones and every parameter that carries a secret, camelCased as CloudTrail shows them.</summary>
    public static IReadOnlyDictionary<string, object?> SafeParameters(QueryParameters parameters)
    {
        Dictionary<string, object?>? result = null;
        foreach (var (key, value) in parameters)
        {
            if (key is "Action" or "Version" || IsSecret(key) || key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            result ??= new Dictionary<string, object?>(StringComparer.Ordinal);
            result.TryAdd(CamelCase(key), value);
        }

        return result ?? NoParameters;
    }

    /// <summary>Parameter names that carry secrets: passwords, secret keys, session and MFA tokens.</summary>
    public static bool IsSecret(string parameterName) =>
        parameterName.Contains("Password", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("Secret", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("Token", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("SAMLAssertion", StringComparison.OrdinalIgnoreCase);

    /// <summary>Response elements minus any whose name says it carries a secret (DbPassword, SecretAccessKey, SessionToken).</summary>
    private static Dictionary<string, object?> WithoutSecrets(Dictionary<string, object?> elements)
    {
        if (!elements.Keys.Any(IsSecret))
        {
            return elements;
        }

        return elements.Where(e => !IsSecret(e.Key)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    private static string EventSource(string service) => service switch
    {
        "sts" => "sts.amazonaws.com",
        "iam" => "iam.amazonaws.com",
        "redshift" => "redshift.amazonaws.com",
        _ => $"{service}.amazonaws.com",
    };

    private static string IdentityType(CallerIdentity caller) => caller.Kind switch
    {
        CallerKind.Root => "Root",
        CallerKind.User => "IAMUser",
        CallerKind.AssumedRole => "AssumedRole",
        _ => caller.IsRoot ? "Root" : "IAMUser",
    };

    private static string CamelCase(string key) =>
        key.Length > 0 && char.IsUpper(key[0]) ? string.Concat(char.ToLowerInvariant(key[0]).ToString(), key.AsSpan(1)) : key;

    private static JsonElement ToElement(IReadOnlyDictionary<string, object?> values)
    {
        if (values.Count == 0)
        {
            return EmptyObject;
        }

        var strings = new Dictionary<string, string?>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            var text = value switch
            {
                null => null,
                DateTimeOffset time => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            strings[key] = text is null ? null : AuditLimits.Truncate(text, AuditLimits.MaxValueChars);
        }

        return JsonSerializer.SerializeToElement(strings, AuditJsonContext.Default.DictionaryStringString);
    }
}
