using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;

namespace IamDb.Policy.Authorization;

/// <summary>
/// Authorizes requests against a <see cref="PolicySet"/> (fast mode: early exits, no allocation). Use
/// <see cref="Explain.PolicyExplainer"/> for the same decision with diagnostics.
/// </summary>
public static class PolicyAuthorizer
{
    /// <summary>
    /// Decides one request. Never throws for policy content: statements that failed to compile are skipped. A set with
    /// an applicable <see cref="PolicySet.UnavailablePolicies"/> entry is an explicit deny: nothing can override it.
    /// </summary>
    public static Decision Authorize(in AuthorizationRequest request, PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        if (policies.HasUnavailablePolicies)
        {
            return Decision.ExplicitDeny;
        }

        var scope = CreateScope(in request, policies);
        var guardrails = GuardrailsApply(policies);

        // Step 1: any applicable Deny ends evaluation; so every Deny statement that could match is checked first.
        if (AnyDeny(policies, guardrails, in scope))
        {
            return Decision.ExplicitDeny;
        }

        var facts = BaseFacts(in request, policies);
        facts.GuardrailsAllow = !guardrails || GuardrailsAllow(policies, in scope);
        if (!facts.GuardrailsAllow)
        {
            return Decision.ImplicitDeny;
        }

        if (policies.ResourcePolicy is { } resourcePolicy)
        {
            facts.ResourceMatch = BestAllow(resourcePolicy, in scope);
        }

        facts.IdentityAllows = request.Principal.Type switch
        {
            PrincipalType.Root => true, // the root user has full access on the identity side
            PrincipalType.Anonymous or PrincipalType.Service or PrincipalType.WebIdentityUser or PrincipalType.SamlUser => false,
            _ => AnyAllow(policies.IdentityPolicies.AsSpan(), in scope),
        };
        facts.BoundaryAllows = policies.PermissionsBoundary is not { } boundary || AnyAllow(boundary, in scope);
        facts.SessionAllows = SessionAllows(request.Principal, policies, in scope);
        return facts.Decide();
    }

    internal static EvaluationScope CreateScope(in AuthorizationRequest request, PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(request.Principal);
        ArgumentNullException.ThrowIfNull(request.Action);
        ArgumentNullException.ThrowIfNull(request.Resource);
        ArgumentNullException.ThrowIfNull(request.Context);
        return new EvaluationScope(
            request.Principal,
            request.Action,
            request.Resource,
            request.Context,
            request.Principal.HasPermissionsBoundary || policies.PermissionsBoundary is not null);
    }

    internal static bool GuardrailsApply(PolicySet policies) => !policies.GuardrailsExempt && !policies.GuardrailLevels.IsDefaultOrEmpty;

    /// <summary>The facts that depend only on the shape of the request and the set, not on statements.</summary>
    internal static DecisionFacts BaseFacts(in AuthorizationRequest request, PolicySet policies)
    {
        var principal = request.Principal;
        var owner = policies.ResourceAccountId;
        return new DecisionFacts
        {
            GuardrailsAllow = true,
            HasResourcePolicy = policies.ResourcePolicy is not null,
            IsTrustPolicy = policies.ResourcePolicy?.Kind == PolicyType.TrustPolicy,

            // Anonymous callers have no account and no identity side: only a resource policy can grant them access.
            CrossAccount = owner is not null && principal.AccountId is not null && !string.Equals(owner, principal.AccountId, StringComparison.Ordinal),
        };
    }

    /// <summary>
    /// Step 7: a non-session principal is unaffected; a session with session policies needs one to allow; without
    /// them a role session is unrestricted while a federated user session has no permissions.
    /// </summary>
    internal static bool SessionAllows(PrincipalInfo principal, PolicySet policies, in EvaluationScope scope) =>
        !principal.IsSession
        || (policies.HasSessionPolicies ? AnyAllow(policies.SessionPolicies.AsSpan(), in scope) : principal.Type == PrincipalType.AssumedRole);

    private static bool AnyDeny(PolicySet policies, bool guardrails, in EvaluationScope scope)
    {
        if (guardrails)
        {
            foreach (var level in policies.GuardrailLevels)
            {
                if (AnyDeny(level.AsSpan(), in scope))
                {
                    return true;
                }
            }
        }

        return (policies.ResourcePolicy is { } resource && AnyMatch(resource.Denies, in scope))
            || AnyDeny(policies.IdentityPolicies.AsSpan(), in scope)
            || (policies.PermissionsBoundary is { } boundary && AnyMatch(boundary.Denies, in scope))
            || AnyDeny(policies.SessionPolicies.AsSpan(), in scope);
    }

    private static bool GuardrailsAllow(PolicySet policies, in EvaluationScope scope)
    {
        foreach (var level in policies.GuardrailLevels)
        {
            if (!AnyAllow(level.AsSpan(), in scope))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyDeny(ReadOnlySpan<CompiledPolicy> policies, in EvaluationScope scope)
    {
        foreach (var policy in policies)
        {
            if (AnyMatch(policy.Denies, in scope))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyAllow(ReadOnlySpan<CompiledPolicy> policies, in EvaluationScope scope)
    {
        foreach (var policy in policies)
        {
            if (AnyMatch(policy.Allows, in scope))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyAllow(CompiledPolicy policy, in EvaluationScope scope) => AnyMatch(policy.Allows, in scope);

    private static bool AnyMatch(StatementIndex index, in EvaluationScope scope)
    {
        foreach (var statement in index.For(scope.ServiceId))
        {
            if (statement.Match(in scope) != PrincipalMatch.None)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The strongest way a resource policy Allow names the principal; stops at a direct naming.</summary>
    private static PrincipalMatch BestAllow(CompiledPolicy policy, in EvaluationScope scope)
    {
        var best = PrincipalMatch.None;
        foreach (var statement in policy.Allows.For(scope.ServiceId))
        {
            var match = statement.Match(in scope);
            if (match > best)
            {
                best = match;
                if (best == PrincipalMatch.Direct)
                {
                    break;
                }
            }
        }

        return best;
    }
}
