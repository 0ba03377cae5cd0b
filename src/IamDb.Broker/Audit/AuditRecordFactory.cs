using System.Text.Json;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Broker.Requests;
using IamDb.Broker.State.Audit;

namespace IamDb.Broker.Audit;

/// <summary>Builds the CloudTrail-shaped record of one request from what the pipeline and the handler learned.</summary>
internal static class AuditRecordFactory
{
    // Most calls (GetCallerIdentity, list and get actions without parameters) record "{}": one shared element.
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    // What SafeParameters returns for a request with nothing to record (no allocation per GetCallerIdentity).
    private static readonly IReadOnlyDictionary<string, object?> NoParameters = new Dictionary<string, object?>(0, StringComparer.Ordinal).AsReadOnly();

    /// <summary>The record of an authenticated request, with the decisions taken for it and what its handler reported.</summary>
    /// <param name="request">The request.</param>
    /// <param name="decisions">The decision trace: authorization decisions, then the handler's notes.</param>
    /// <param name="responseElements">The handler's response elements; recorded only when the request succeeded.</param>
    /// <param name="error">The error answered, or null.</param>
    public static AuditRecord Create(
        BrokerRequest request, IReadOnlyList<string> decisions, IReadOnlyDictionary<string, object?>? responseElements, AwsError? error)
    {
        var caller = request.Caller;
        var identity = new AuditIdentity(IdentityType(caller))
        {
            PrincipalId = caller.UserId,
            Arn = caller.Arn,
            AccountId = caller.AccountId,
            AccessKeyId = caller.AccessKeyId is { Length: > 0 } keyId ? keyId : null,
            UserName = caller.UserName,
        };
        return Build(request.Arrival, request.Service.SigningName, request.Action, request.Region, identity, caller.AccountId, error) with
        {
            RequestParameters = ToElement(SafeParameters(request.Parameters)),
            ResponseElements = responseElements is { Count: > 0 } && error is null ? ToElement(WithoutSecrets(responseElements)) : null,
            DecisionTrace = decisions.Count > 0 ? JsonSerializer.SerializeToElement(decisions, AuditJsonContext.Default.IReadOnlyListString) : null,
        };
    }

    /// <summary>
    /// The small fixed-size record of a request that did not authenticate: the action if it could be read, the access key id
    /// that was tried (not a secret) and the error; never a parameter value.
    /// </summary>
    public static AuditRecord CreateUnauthenticated(
        RequestArrival arrival, string service, string? action, string region, string? attemptedAccessKeyId, string recipientAccountId, AwsError error) =>
        Build(arrival, service, action, region, new AuditIdentity("Unknown") { AccessKeyId = attemptedAccessKeyId }, recipientAccountId, error) with
        {
            RequestParameters = EmptyObject,
        };

    private static AuditRecord Build(
        RequestArrival arrival, string service, string? action, string region, AuditIdentity identity, string recipientAccountId, AwsError? error) =>
        // A time-ordered (version 7) UUID: the unique index on event_id then grows at its end like the time index, instead
        // of every record dirtying a random leaf page (read, rewritten to the WAL, checkpointed) of an index larger than the cache.
        new(
            Guid.CreateVersion7(arrival.Started).ToString("D"),
            arrival.Started,
            EventSource(service),
            action ?? "Unknown",
            region,
            arrival.SourceIp,
            arrival.RequestId,
            identity)
        {
            UserAgent = arrival.UserAgent is { } agent ? AuditLimits.Truncate(agent, AuditLimits.MaxUserAgentChars) : null,
            RecipientAccountId = recipientAccountId,
            ErrorCode = error?.Code,
            ErrorMessage = error?.Message is { } message ? AuditLimits.Truncate(message, AuditLimits.MaxErrorMessageChars) : null,
        };

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

    /// <summary>Parameter names that carry secrets: passwords, secret keys, private keys, session and MFA tokens.</summary>
    public static bool IsSecret(string parameterName) =>
        parameterName.Contains("Password", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("Secret", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("Token", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("SAMLAssertion", StringComparison.OrdinalIgnoreCase)
        || parameterName.Contains("PrivateKey", StringComparison.OrdinalIgnoreCase);

    /// <summary>Response elements minus any whose name says it carries a secret (DbPassword, SecretAccessKey, SessionToken).</summary>
    private static IReadOnlyDictionary<string, object?> WithoutSecrets(IReadOnlyDictionary<string, object?> elements)
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
        CallerKind.TokenBearer => "Unknown",
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
