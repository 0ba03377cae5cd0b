using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Explain;

/// <summary>
/// Explain mode: evaluates every statement of every applicable policy (no early exit) and reports which statements
/// decided, which kinds had no Allow, which context keys were missing and which statements were skipped.
/// Allocates; use <see cref="PolicyAuthorizer.Authorize"/> on the hot path. Both give the same decision.
/// </summary>
public static class PolicyExplainer
{
    /// <summary>Decides one request and explains the decision.</summary>
    public static AuthorizationResult Explain(in AuthorizationRequest request, PolicySet policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var run = new Run(PolicyAuthorizer.CreateScope(in request, policies));
        var facts = PolicyAuthorizer.BaseFacts(in request, policies);

        if (PolicyAuthorizer.GuardrailsApply(policies))
        {
            foreach (var level in policies.GuardrailLevels)
            {
                var levelAllows = false;
                foreach (var policy in level)
                {
                    levelAllows |= run.Scan(policy) != PrincipalMatch.None;
                }

                facts.GuardrailsAllow &= levelAllows;
            }
        }

        if (policies.ResourcePolicy is { } resourcePolicy)
        {
            facts.ResourceMatch = run.Scan(resourcePolicy);
        }

        var identityAllows = false;
        foreach (var policy in policies.IdentityPolicies)
        {
            identityAllows |= run.Scan(policy) != PrincipalMatch.None;
        }

        facts.IdentityAllows = request.Principal.Type switch
        {
            PrincipalType.Root => true,
            PrincipalType.Anonymous or PrincipalType.Service or PrincipalType.WebIdentityUser or PrincipalType.SamlUser => false,
            _ => identityAllows,
        };
        facts.BoundaryAllows = policies.PermissionsBoundary is not { } boundary || run.Scan(boundary) != PrincipalMatch.None;
        var sessionAllows = false;
        foreach (var policy in policies.SessionPolicies)
        {
            sessionAllows |= run.Scan(policy) != PrincipalMatch.None;
        }

        facts.SessionAllows = !request.Principal.IsSession
            || (policies.HasSessionPolicies ? sessionAllows : request.Principal.Type == PrincipalType.AssumedRole);
        facts.ExplicitDeny = run.Matched.Any(m => m.Statement.Effect == PolicyEffect.Deny);

        // A part that could not be loaded denies whatever the rest decides (the statements above still explain the rest).
        UnavailablePolicy[] unavailable = policies.HasUnavailablePolicies
            ? [.. policies.UnavailablePolicies.Where(p => p.Kind != PolicyType.Guardrail || !policies.GuardrailsExempt)]
            : [];
        var decision = unavailable.Length > 0 ? Decision.ExplicitDeny : facts.Decide();
        return new AuthorizationResult(
            decision,
            Determining(decision, in facts, run.Matched),
            [.. run.Matched.Select(m => StatementReference.Of(m.Statement))],
            decision == Decision.ImplicitDeny ? Reasons(in facts) : [],
            [.. run.Missing],
            run.Errors,
            unavailable);
    }

    private static StatementReference[] Determining(Decision decision, in DecisionFacts facts, List<(CompiledStatement Statement, PrincipalMatch Match)> matched)
    {
        switch (decision)
        {
            case Decision.ExplicitDeny:
                return [.. matched.Where(m => m.Statement.Effect == PolicyEffect.Deny).Select(m => StatementReference.Of(m.Statement))];
            case Decision.Allow:
                // A resource policy that grants alone is the reason (with the boundary and session policies when it
                // names the role); otherwise every layer's Allow contributed.
                var grant = facts.Resource() == ResourceVerdict.Grants ? facts.ResourceMatch : PrincipalMatch.None;
                return
                [
                    .. matched.Where(m => m.Statement.Effect == PolicyEffect.Allow && Contributes(m.Statement.Policy.Kind, grant))
                        .Select(m => StatementReference.Of(m.Statement)),
                ];
            default:
                return [];
        }
    }

    private static bool Contributes(PolicyType kind, PrincipalMatch resourceGrant) => (kind, resourceGrant) switch
    {
        (PolicyType.Guardrail or PolicyType.ResourceBased or PolicyType.TrustPolicy, _) => true,
        (_, PrincipalMatch.None) => true,
        (PolicyType.PermissionsBoundary or PolicyType.Session, PrincipalMatch.Delegated) => true,
        _ => false,
    };

    private static DenialReason[] Reasons(in DecisionFacts facts)
    {
        var reasons = new List<DenialReason>();
        if (!facts.GuardrailsAllow)
        {
            reasons.Add(DenialReason.NoGuardrailAllows);
        }

        var resource = facts.Resource();
        if (resource == ResourceVerdict.Missing)
        {
            reasons.Add(DenialReason.NoResourcePolicyAllows);
        }

        if (resource != ResourceVerdict.Grants)
        {
            if (!facts.IdentityAllows)
            {
                reasons.Add(DenialReason.NoIdentityPolicyAllows);
            }

            if (!facts.BoundaryAllows)
            {
                reasons.Add(DenialReason.NoPermissionsBoundaryAllows);
            }

            if (!facts.SessionAllows)
            {
                reasons.Add(DenialReason.NoSessionPolicyAllows);
            }
        }

        return [.. reasons];
    }

    /// <summary>The mutable state of one explain run.</summary>
    private sealed class Run(EvaluationScope scope)
    {
        public List<(CompiledStatement Statement, PrincipalMatch Match)> Matched { get; } = [];

        public SortedSet<string> Missing { get; } = new(StringComparer.OrdinalIgnoreCase);

        public List<StatementError> Errors { get; } = [];

        /// <summary>Scans every statement of a policy; returns the strongest Allow match.</summary>
        public PrincipalMatch Scan(CompiledPolicy policy)
        {
            var best = PrincipalMatch.None;
            foreach (var statement in policy.Statements)
            {
                if (statement.Error is { } error)
                {
                    Errors.Add(new StatementError(StatementReference.Of(statement), error));
                    continue;
                }

                var match = statement.MatchExplained(in scope, Missing);
                if (match == PrincipalMatch.None)
                {
                    continue;
                }

                Matched.Add((statement, match));
                if (statement.Effect == PolicyEffect.Allow && match > best)
                {
                    best = match;
                }
            }

            return best;
        }
    }
}
