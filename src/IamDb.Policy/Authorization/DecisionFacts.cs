using System.Diagnostics;
using IamDb.Policy.Compilation;

namespace IamDb.Policy.Authorization;

/// <summary>What the resource side contributes to a decision.</summary>
internal enum ResourceVerdict
{
    /// <summary>A same-account resource policy Allow that by itself grants the request.</summary>
    Grants,

    /// <summary>The resource side must allow (trust policy, or cross-account) and does not.</summary>
    Missing,

    /// <summary>The principal side decides (identity ∩ boundary ∩ session).</summary>
    Defers,
}

/// <summary>
/// The per-kind facts one evaluation establishes. Fast mode and explain mode both fill these and share
/// <see cref="Decide"/>, so they cannot disagree on the rules, only on the facts (which the property tests compare).
/// </summary>
internal struct DecisionFacts
{
    public bool ExplicitDeny;
    public bool GuardrailsAllow;
    public bool IdentityAllows;
    public bool BoundaryAllows;
    public bool SessionAllows;
    public bool HasResourcePolicy;
    public bool IsTrustPolicy;
    public bool CrossAccount;
    public PrincipalMatch ResourceMatch;

    public readonly bool PrincipalSideAllows => IdentityAllows && BoundaryAllows && SessionAllows;

    /// <summary>
    /// Resource-side rules (IAM User Guide, "Policy evaluation logic"). Same account: an Allow naming the
    /// user, the session or <c>*</c> grants alone; one naming the role (or the user who federated) still needs the
    /// boundary and session policy; one naming the account delegates to IAM policies. Cross-account: both sides must
    /// allow. A trust policy must allow by itself in every case.
    /// </summary>
    public readonly ResourceVerdict Resource()
    {
        if (!HasResourcePolicy)
        {
            return CrossAccount ? ResourceVerdict.Missing : ResourceVerdict.Defers;
        }

        if (CrossAccount)
        {
            return ResourceMatch == PrincipalMatch.None ? ResourceVerdict.Missing : ResourceVerdict.Defers;
        }

        if (ResourceMatch == PrincipalMatch.Direct
            || (ResourceMatch == PrincipalMatch.Delegated && BoundaryAllows && SessionAllows))
        {
            return ResourceVerdict.Grants;
        }

        return IsTrustPolicy && ResourceMatch == PrincipalMatch.None ? ResourceVerdict.Missing : ResourceVerdict.Defers;
    }

    /// <summary>The decision: one exhaustive switch, a comment per arm.</summary>
    public readonly Decision Decide() => (ExplicitDeny, GuardrailsAllow, Resource(), PrincipalSideAllows) switch
    {
        // Step 1: an applicable Deny in any policy (guardrail, resource, identity, boundary, session) wins.
        (true, _, _, _) => Decision.ExplicitDeny,

        // Step 3: some guardrail level (SCP semantics) has no applicable Allow.
        (false, false, _, _) => Decision.ImplicitDeny,

        // Step 4: a same-account resource policy Allow that is not capped by the principal side's implicit denies.
        (false, true, ResourceVerdict.Grants, _) => Decision.Allow,

        // A trust policy, or the resource side of a cross-account request, has no Allow for this principal.
        (false, true, ResourceVerdict.Missing, _) => Decision.ImplicitDeny,

        // Steps 5-7: identity policies, the boundary and the session policies all allow.
        (false, true, ResourceVerdict.Defers, true) => Decision.Allow,

        // Steps 5-7: one of identity policies, boundary or session policies has no applicable Allow.
        (false, true, ResourceVerdict.Defers, false) => Decision.ImplicitDeny,

        _ => throw new UnreachableException(),
    };
}
