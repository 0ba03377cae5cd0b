using IamDb.Policy.Compilation;

namespace IamDb.Policy.Authorization;

/// <summary>
/// A policy that applies to the principal but could not be loaded: it was deleted while still referenced, has no
/// default version, or no longer parses or compiles. Evaluating the rest as if it were absent could widen access (a
/// missing boundary or Deny would simply vanish), so a <see cref="PolicySet"/> that holds one denies every request.
/// </summary>
/// <param name="Kind">The role the policy would play (identity, boundary, session, guardrail, trust or resource policy).</param>
/// <param name="Name">The managed policy ARN, or the name of the inline policy, guardrail or trust policy.</param>
/// <param name="Reason">Why it could not be loaded, for audit records and explanations.</param>
public sealed record UnavailablePolicy(PolicyType Kind, string Name, string Reason)
{
    /// <summary>"the permissions boundary arn:… could not be loaded", the phrase used in AccessDenied messages.</summary>
    public string Describe() => $"the {KindPhrase(Kind)} {Name} could not be loaded";

    /// <summary>The kind as it is named in messages: identity-based policy, permissions boundary, session policy…</summary>
    public static string KindPhrase(PolicyType kind) => kind switch
    {
        PolicyType.Guardrail => "service control policy",
        PolicyType.ResourceBased => "resource-based policy",
        PolicyType.TrustPolicy => "trust policy",
        PolicyType.PermissionsBoundary => "permissions boundary",
        PolicyType.Session => "session policy",
        _ => "identity-based policy",
    };
}
