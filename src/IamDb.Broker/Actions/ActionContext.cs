using IamDb.Broker.Authorization;
using IamDb.Broker.Requests;

namespace IamDb.Broker.Actions;

/// <summary>
/// What a handler is given for one request: the request's facts and its authorization. Both are per request; the
/// store, the clock and the settings a handler needs come through its constructor.
/// </summary>
/// <param name="Request">The authenticated request (caller, parameters, region, transport facts), immutable.</param>
/// <param name="Authorization">Decides the request's actions against one load of the caller's policies.</param>
internal sealed record ActionContext(BrokerRequest Request, IRequestAuthorization Authorization)
{
    /// <summary>
    /// Authorizes <paramref name="action"/> (for example <c>iam:CreateUser</c>) on <paramref name="resourceArn"/> for the
    /// caller, with optional service-specific context keys. Throws <see cref="AwsErrorException"/> with AWS's
    /// <c>AccessDenied</c> when policy does not allow it; the decision is recorded for the audit trail either way.
    /// Call it before touching state, as AWS authorizes before it checks that entities exist.
    /// </summary>
    public async ValueTask AuthorizeAsync(
        string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null, CancellationToken ct = default)
    {
        var decision = await Authorization.DecideAsync(action, resourceArn, context, null, ct);
        ThrowIfDenied(decision);
    }

    /// <summary>
    /// Like <see cref="AuthorizeAsync"/>, but also evaluates <paramref name="resourcePolicy"/> (a role trust policy for
    /// <c>sts:AssumeRole</c>, or a resource-based policy) together with the caller's policies.
    /// </summary>
    public async ValueTask AuthorizeWithResourcePolicyAsync(
        string action, string resourceArn, ResourcePolicy resourcePolicy, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(resourcePolicy);
        var decision = await Authorization.DecideAsync(action, resourceArn, context, resourcePolicy, ct);
        ThrowIfDenied(decision);
    }

    private static void ThrowIfDenied(AuthorizationDecision decision)
    {
        if (decision.Denial is { } denial)
        {
            throw new AwsErrorException(denial);
        }
    }
}

/// <summary>A cache of access keys that must forget a key when it is deactivated or deleted.</summary>
internal interface IAccessKeyCache
{
    /// <summary>Forgets <paramref name="accessKeyId"/>; the next request signed with it reads the store.</summary>
    void Invalidate(string accessKeyId);
}
