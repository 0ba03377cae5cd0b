using System.Collections.Immutable;
using IamDb.Policy.Compilation;

namespace IamDb.Policy.Authorization;

/// <summary>
/// Every policy that applies to one request, by the role it plays. The identity side (identity policies, boundary,
/// session policies, guardrails) depends only on the principal and can be cached per principal; the resource side is
/// set per resource with <c>with</c>-style copies (<see cref="WithResourcePolicy"/>).
/// </summary>
public sealed record PolicySet
{
    /// <summary>Identity-based policies: managed and inline policies of the user and its groups, or of the role.</summary>
    public ImmutableArray<CompiledPolicy> IdentityPolicies { get; init => field = value.IsDefault ? [] : value; } = [];

    /// <summary>The resource-based policy of the resource, or the role trust policy (kind
    /// <see cref="PolicyType.TrustPolicy"/>) when authorizing <c>sts:AssumeRole*</c>; null when there is none.</summary>
    public CompiledPolicy? ResourcePolicy { get; init; }

    /// <summary>The account that owns the resource; null means the principal's own account. A different account
    /// makes the request cross-account: the principal side and the resource policy must both allow.</summary>
    public string? ResourceAccountId { get; init; }

    /// <summary>The permissions boundary of the user or role, or null when none is attached.</summary>
    public CompiledPolicy? PermissionsBoundary { get; init; }

    /// <summary>Session policies (inline and managed) of a role or federated-user session; empty when none were
    /// passed: a role session is then not restricted, a federated user session has no permissions.</summary>
    public ImmutableArray<CompiledPolicy> SessionPolicies { get; init => field = value.IsDefault ? [] : value; } = [];

    /// <summary>Account guardrails with SCP semantics, one entry per level (organization root, each OU, the account):
    /// every level must have an applicable Allow, and any Deny wins. Empty when there are no guardrails.</summary>
    public ImmutableArray<ImmutableArray<CompiledPolicy>> GuardrailLevels
    {
        get;
        init => field = value.IsDefault ? [] : [.. value.Select(level => level.IsDefault ? [] : level)];
    } = [];

    /// <summary>True for the organization's management account: SCPs do not affect it, so guardrails are skipped.
    /// Guardrails do apply to the root user of any other account (AWS: SCPs restrict member-account root users).</summary>
    public bool GuardrailsExempt { get; init; }

    /// <summary>
    /// Policies that apply but could not be loaded (deleted while referenced, no default version, no longer parse).
    /// Any one of them makes every decision <see cref="Decision.ExplicitDeny"/>: a missing part never counts as absent.
    /// Unavailable guardrails are ignored when <see cref="GuardrailsExempt"/> is set, as guardrails are then.
    /// </summary>
    public ImmutableArray<UnavailablePolicy> UnavailablePolicies { get; init => field = value.IsDefault ? [] : value; } = [];

    /// <summary>True when some unavailable policy applies, so the decision is a deny whatever the rest says.</summary>
    public bool HasUnavailablePolicies
    {
        get
        {
            foreach (var policy in UnavailablePolicies)
            {
                if (policy.Kind != PolicyType.Guardrail || !GuardrailsExempt)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>True when session policies were passed.</summary>
    public bool HasSessionPolicies => !SessionPolicies.IsDefaultOrEmpty;

    /// <summary>A copy with a different resource-side policy.</summary>
    public PolicySet WithResourcePolicy(CompiledPolicy? resourcePolicy, string? resourceAccountId = null) =>
        this with { ResourcePolicy = resourcePolicy, ResourceAccountId = resourceAccountId };

    /// <summary>Every applicable policy in evaluation order (guardrails, resource, identity, boundary, session).</summary>
    internal IEnumerable<CompiledPolicy> AllPolicies(bool includeGuardrails)
    {
        if (includeGuardrails)
        {
            foreach (var level in GuardrailLevels)
            {
                foreach (var policy in level)
                {
                    yield return policy;
                }
            }
        }

        if (ResourcePolicy is not null)
        {
            yield return ResourcePolicy;
        }

        foreach (var policy in IdentityPolicies)
        {
            yield return policy;
        }

        if (PermissionsBoundary is not null)
        {
            yield return PermissionsBoundary;
        }

        foreach (var policy in SessionPolicies)
        {
            yield return policy;
        }
    }
}
