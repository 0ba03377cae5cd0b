using IamDb.Policy.Parsing;

namespace IamDb.Policy.Compilation;

/// <summary>The role a policy plays in an authorization decision; it decides how the policy's statements combine.</summary>
public enum PolicyType
{
    /// <summary>An identity-based policy: managed or inline, of a user, one of its groups, or a role.</summary>
    Identity,

    /// <summary>A resource-based policy attached to the resource being accessed; its statements name principals.</summary>
    ResourceBased,

    /// <summary>A role trust policy: a resource-based policy on the role that must explicitly allow by itself.</summary>
    TrustPolicy,

    /// <summary>A permissions boundary: caps what identity policies can allow.</summary>
    PermissionsBoundary,

    /// <summary>A session policy (inline or managed) passed when the session was created.</summary>
    Session,

    /// <summary>An account guardrail with service control policy (SCP) semantics: must allow, and its denies win.</summary>
    Guardrail,
}

/// <summary>Derives a policy's role in a decision from where it is used.</summary>
public static class PolicyKindExtensions
{
    /// <summary>
    /// The role a policy of <paramref name="kind"/> plays: identity policies (managed or inline) are
    /// <see cref="PolicyType.Identity"/>, a trust policy is <see cref="PolicyType.TrustPolicy"/>, and so on. A managed
    /// identity policy passed as a session policy is parsed as <see cref="PolicyKind.Identity"/> but plays
    /// <see cref="PolicyType.Session"/>; the caller names that one.
    /// </summary>
    /// <param name="kind">Where the policy is used.</param>
    public static PolicyType ToPolicyType(this PolicyKind kind) => kind switch
    {
        PolicyKind.Identity or PolicyKind.InlineUser or PolicyKind.InlineGroup or PolicyKind.InlineRole => PolicyType.Identity,
        PolicyKind.Trust => PolicyType.TrustPolicy,
        PolicyKind.Resource => PolicyType.ResourceBased,
        PolicyKind.Session => PolicyType.Session,
        PolicyKind.PermissionsBoundary => PolicyType.PermissionsBoundary,
        PolicyKind.Guardrail => PolicyType.Guardrail,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a policy kind"),
    };
}
