using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.State;

namespace IamDb.Broker.Actions;

/// <summary>
/// Everything a handler needs for one authenticated request. The pipeline builds it after SigV4
/// authentication and before the handler; after the handler it writes the audit record from
/// <see cref="Audit"/> and renders the result.
/// </summary>
internal sealed class ActionContext
{
    public required string RequestId { get; init; }

    /// <summary>The service the request was signed for (IAM, STS or Redshift) with its XML namespace and version.</summary>
    public required QueryService Service { get; init; }

    /// <summary>The <c>Action</c> parameter, for example <c>CreateUser</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The decoded request parameters (form body or query string).</summary>
    public required QueryParameters Parameters { get; init; }

    public required CallerIdentity Caller { get; init; }

    /// <summary>The region from the request's SigV4 scope.</summary>
    public required string Region { get; init; }

    /// <summary>True when the request arrived over TLS (feeds <c>aws:SecureTransport</c>).</summary>
    public required bool SecureTransport { get; init; }

    /// <summary>The client's IP address (feeds <c>aws:SourceIp</c>).</summary>
    public required string SourceIp { get; init; }

    public required IStateStore Store { get; init; }

    public required TimeProvider Time { get; init; }

    public required IdentifierGenerator Ids { get; init; }

    public required IActionAuthorizer Authorizer { get; init; }

    /// <summary>This node's cache of access keys used for SigV4; handlers that change a key tell it, so the change takes
    /// effect at once here (other nodes notice within the cache's lifetime). Null where nothing caches keys.</summary>
    public IAccessKeyCache? KeyCache { get; init; }

    /// <summary>What the audit record says about this request beyond what the pipeline knows.</summary>
    public AuditDetails Audit { get; } = new();

    /// <summary>
    /// Authorizes <paramref name="action"/> (for example <c>iam:CreateUser</c>) on <paramref name="resourceArn"/> for the
    /// caller, with optional service-specific context keys. Throws <see cref="AwsErrorException"/> with AWS's
    /// <c>AccessDenied</c> when policy does not allow it; records the decision for the audit trail either way.
    /// Call it before touching state, as AWS authorizes before it checks that entities exist.
    /// </summary>
    public async ValueTask AuthorizeAsync(
        string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null, CancellationToken ct = default)
    {
        var denied = await Authorizer.AuthorizeAsync(this, action, resourceArn, context, ct);
        if (denied is not null)
        {
            throw new AwsErrorException(denied);
        }
    }

    /// <summary>
    /// Like <see cref="AuthorizeAsync"/>, but also evaluates <paramref name="resourcePolicy"/> (a role trust policy for
    /// <c>sts:AssumeRole</c>, or a resource-based policy) together with the caller's policies.
    /// </summary>
    public async ValueTask AuthorizeWithResourcePolicyAsync(
        string action, string resourceArn, ResourcePolicy resourcePolicy, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null,
        CancellationToken ct = default)
    {
        var denied = await Authorizer.AuthorizeWithResourcePolicyAsync(this, action, resourceArn, resourcePolicy, context, ct);
        if (denied is not null)
        {
            throw new AwsErrorException(denied);
        }
    }
}

/// <summary>A resource-side policy to evaluate with the caller's policies.</summary>
/// <param name="Document">The policy JSON as stored.</param>
/// <param name="Name">A name for audit and explanations (e.g. <c>MyRole trust policy</c>).</param>
/// <param name="IsTrustPolicy">True for a role trust policy (it must allow by itself).</param>
/// <param name="OwnerAccountId">The account owning the resource; null for the caller's own account.</param>
internal sealed record ResourcePolicy(string Document, string Name, bool IsTrustPolicy, string? OwnerAccountId = null);

/// <summary>Audit contributions of a handler: parameters and response elements safe to record (never secrets).</summary>
internal sealed class AuditDetails
{
    /// <summary>Request parameters to record. The pipeline fills it from the request minus known secret parameters; handlers may redact more.</summary>
    public Dictionary<string, object?> RequestParameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Response elements to record (ids, ARNs, expirations), never secrets.</summary>
    public Dictionary<string, object?> ResponseElements { get; } = new(StringComparer.Ordinal);

    /// <summary>Authorization decisions taken for this request, rendered as text (which statement allowed or denied).</summary>
    public List<string> Decisions { get; } = [];

    /// <summary>
    /// A database credential this request issued. The pipeline writes it in the same store transaction as the request's
    /// audit record, before the response is sent: one durable commit per issuance instead of two.
    /// </summary>
    public State.Redshift.IssuedCredential? IssuedCredential { get; set; }
}

/// <summary>A cache of access keys that must forget a key when it is deactivated or deleted.</summary>
internal interface IAccessKeyCache
{
    /// <summary>Forgets <paramref name="accessKeyId"/>; the next request signed with it reads the store.</summary>
    void Invalidate(string accessKeyId);
}

/// <summary>Authorizes actions for the caller of an <see cref="ActionContext"/> with IamDb.Policy.</summary>
internal interface IActionAuthorizer
{
    /// <summary>Null when allowed; otherwise AWS's AccessDenied error with its message.</summary>
    ValueTask<AwsError?> AuthorizeAsync(
        ActionContext context, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext, CancellationToken ct);

    /// <summary>Null when allowed with <paramref name="resourcePolicy"/> evaluated as the resource side; otherwise AccessDenied.</summary>
    ValueTask<AwsError?> AuthorizeWithResourcePolicyAsync(
        ActionContext context, string action, string resourceArn, ResourcePolicy resourcePolicy,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext, CancellationToken ct);
}
