using IamDb.Policy.Parsing;

namespace IamDb.Policy.Validation;

/// <summary>Which elements each <see cref="PolicyKind"/> requires or prohibits (IAM User Guide, "IAM JSON policy element reference").</summary>
internal static class PolicyKindRules
{
    /// <summary>Identity-style policies (including boundaries, session policies and guardrails) never name a principal.</summary>
    public static bool ProhibitsPrincipal(PolicyKind kind) => kind is not (PolicyKind.Trust or PolicyKind.Resource);

    /// <summary>Trust and resource policies must say whom they apply to.</summary>
    public static bool RequiresPrincipal(PolicyKind kind) => kind is PolicyKind.Trust or PolicyKind.Resource;

    /// <summary><c>NotPrincipal</c> is allowed only in resource-based policies (not in identity or trust policies).</summary>
    public static bool AllowsNotPrincipal(PolicyKind kind) => kind == PolicyKind.Resource;

    /// <summary>A role trust policy applies to the role itself, so it carries no Resource.</summary>
    public static bool ProhibitsResource(PolicyKind kind) => kind == PolicyKind.Trust;

    /// <summary>IAM policies restrict <c>Sid</c> to letters and digits; resource-based policies of other services do not.</summary>
    public static bool RestrictsSidCharacters(PolicyKind kind) => kind != PolicyKind.Resource;

    /// <summary>A readable name for details: "identity", "trust"…</summary>
    public static string Describe(PolicyKind kind) => kind switch
    {
        PolicyKind.Identity => "managed identity",
        PolicyKind.InlineUser => "user inline",
        PolicyKind.InlineGroup => "group inline",
        PolicyKind.InlineRole => "role inline",
        PolicyKind.Trust => "role trust",
        PolicyKind.Resource => "resource-based",
        PolicyKind.Session => "session",
        PolicyKind.PermissionsBoundary => "permissions boundary",
        PolicyKind.Guardrail => "guardrail",
        _ => kind.ToString(),
    };
}
