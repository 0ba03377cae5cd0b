using System.Net;
using IamDb.Aws.Errors;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Authorization;

/// <summary>
/// The authorization of one request: every decision it takes, against one load of the caller's policies. Decisions
/// are returned as values and kept in <see cref="Decisions"/> for the pipeline to record in the audit record.
/// </summary>
internal interface IRequestAuthorization
{
    /// <summary>Every decision taken for the request so far, in order.</summary>
    IReadOnlyList<AuthorizationDecision> Decisions { get; }

    /// <summary>
    /// Decides <paramref name="action"/> (for example <c>iam:CreateUser</c>) on <paramref name="resourceArn"/> for the caller,
    /// with optional service-specific context keys and an optional resource-side policy (a role trust policy).
    /// </summary>
    ValueTask<AuthorizationDecision> DecideAsync(
        string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context, ResourcePolicy? resourcePolicy,
        CancellationToken ct);

    /// <summary>The caller's principal and policies: the snapshot every decision of this request is taken against.</summary>
    Task<PrincipalPolicies> CallerPoliciesAsync(CancellationToken ct);

    /// <summary>
    /// Decides <paramref name="action"/> for a principal an identity provider vouched for (a web identity or SAML user,
    /// established by the handler from a verified token or assertion) against <paramref name="trustPolicy"/> alone:
    /// such a principal has no identity policies, so the trust policy must allow by itself.
    /// </summary>
    ValueTask<AuthorizationDecision> DecideForFederatedPrincipalAsync(
        PrincipalInfo principal, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context,
        ResourcePolicy trustPolicy, CancellationToken ct);
}

/// <summary>A resource-side policy to evaluate with the caller's policies.</summary>
/// <param name="Document">The policy JSON as stored.</param>
/// <param name="Name">A name for audit and explanations (e.g. <c>MyRole trust policy</c>).</param>
/// <param name="IsTrustPolicy">True for a role trust policy (it must allow by itself).</param>
/// <param name="OwnerAccountId">The account owning the resource; null for the caller's own account.</param>
internal sealed record ResourcePolicy(string Document, string Name, bool IsTrustPolicy, string? OwnerAccountId = null);

/// <summary>Makes the <see cref="RequestAuthorization"/> of each request (one per request, never shared).</summary>
internal sealed class PolicyAuthorizer(PrincipalPolicyLoader loader, IStateStore store, TimeProvider time)
{
    /// <summary>The authorization of <paramref name="request"/>; it loads the caller's policies on its first decision.</summary>
    public RequestAuthorization For(BrokerRequest request) => new(loader, store, time, request);
}

/// <summary>
/// Authorizes a request's actions with IamDb.Policy. The caller's policies (identity, groups, boundary, session policies,
/// guardrails, tags) are read once, in one store read transaction, on the first decision that needs them, and every later
/// decision of the request uses that same snapshot: one request is never decided against two states of IAM. The account
/// root is allowed everything: this broker serves a standalone account (no organization), and AWS applies service control
/// policies to the root user of member accounts only, so guardrails do not bind root here. A policy that applies but
/// cannot be loaded (see <see cref="PrincipalPolicyLoader"/>) denies, and the decision says which and why.
/// </summary>
internal sealed class RequestAuthorization(PrincipalPolicyLoader loader, IStateStore store, TimeProvider time, BrokerRequest request)
    : IRequestAuthorization
{
    private readonly List<AuthorizationDecision> _decisions = [];
    private Task<PrincipalPolicies>? _snapshot;

    public IReadOnlyList<AuthorizationDecision> Decisions => _decisions;

    public Task<PrincipalPolicies> CallerPoliciesAsync(CancellationToken ct) =>
        _snapshot ??= loader.LoadAsync(store, request.Caller, ct);

    public async ValueTask<AuthorizationDecision> DecideAsync(
        string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context, ResourcePolicy? resourcePolicy,
        CancellationToken ct)
    {
        var decision = await DecideCoreAsync(action, resourceArn, context, resourcePolicy, ct);
        _decisions.Add(decision);
        return decision;
    }

    public ValueTask<AuthorizationDecision> DecideForFederatedPrincipalAsync(
        PrincipalInfo principal, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? context,
        ResourcePolicy trustPolicy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(trustPolicy);
        var decision = Evaluate(principal, new PolicySet(), action, resourceArn, context, trustPolicy);
        _decisions.Add(decision);
        return ValueTask.FromResult(decision);
    }

    /// <summary>The request context of an action: standard keys from the request plus the handler's service keys.</summary>
    public static RequestContext BuildContext(BrokerRequest request, TimeProvider time, IReadOnlyDictionary<string, IReadOnlyList<string>>? extra)
    {
        var context = new RequestContext(time)
        {
            SecureTransport = request.SecureTransport,
            RequestedRegion = request.Region,
            SourceIp = IPAddress.TryParse(request.SourceIp, out var ip) ? ip : null,
        };
        if (extra is not null)
        {
            foreach (var (key, values) in extra)
            {
                if (values.Count == 1)
                {
                    context.Set(key, values[0]);
                }
                else
                {
                    context.Set(key, values);
                }
            }
        }

        return context;
    }

    private async ValueTask<AuthorizationDecision> DecideCoreAsync(
        string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext, ResourcePolicy? resourcePolicy,
        CancellationToken ct)
    {
        if (request.Caller.IsRoot && resourcePolicy is null)
        {
            return AuthorizationDecision.RootAllowed(action, resourceArn);
        }

        var loaded = await CallerPoliciesAsync(ct);
        return Evaluate(loaded.Principal, loaded.Policies, action, resourceArn, extraContext, resourcePolicy);
    }

    private AuthorizationDecision Evaluate(
        PrincipalInfo principal, PolicySet policies, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext,
        ResourcePolicy? resourcePolicy)
    {
        if (resourcePolicy is not null)
        {
            var kind = resourcePolicy.IsTrustPolicy ? PolicyType.TrustPolicy : PolicyType.ResourceBased;
            var entry = loader.Compile(
                resourcePolicy.Document, resourcePolicy.IsTrustPolicy ? ParsedKind.Trust : ParsedKind.Resource, kind, resourcePolicy.Name, resourceArn);
            policies = policies.WithResourcePolicy(entry.Policy, resourcePolicy.OwnerAccountId);
            if (entry.Policy is null)
            {
                // A trust policy that no longer parses must not vanish: without it the identity side alone would decide.
                // It is named by the resource's ARN: "the trust policy arn:aws:iam::…:role/R could not be loaded".
                policies = policies with
                {
                    UnavailablePolicies = policies.UnavailablePolicies.Add(new UnavailablePolicy(kind, resourceArn, entry.Problem!)),
                };
            }
        }

        var authorization = new AuthorizationRequest(principal, action, resourceArn, BuildContext(request, time, extraContext));
        var result = PolicyExplainer.Explain(in authorization, policies);
        return AuthorizationDecision.From(action, resourceArn, result, in authorization);
    }
}
