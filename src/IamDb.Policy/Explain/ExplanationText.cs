using System.Text;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;

namespace IamDb.Policy.Explain;

/// <summary>The multi-line human explanation printed by <c>iamdb policy simulate</c>.</summary>
public static class ExplanationText
{
    /// <summary>Renders the decision, its reasons, the deciding statements, missing context keys and skipped statements.</summary>
    public static string Render(AuthorizationResult result, in AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        text.Append("Decision: ").AppendLine(result.Decision switch
        {
            Decision.Allow => "allowed",
            Decision.ExplicitDeny => "explicitDeny",
            _ => "implicitDeny",
        });
        text.Append("  principal: ").AppendLine(request.Principal.Arn);
        text.Append("  action:    ").AppendLine(request.Action);
        text.Append("  resource:  ").AppendLine(request.Resource);

        switch (result.Decision)
        {
            case Decision.Allow:
                text.AppendLine("Allowed by:");
                break;
            case Decision.ExplicitDeny:
                text.AppendLine("Denied explicitly by:");
                foreach (var missing in result.UnavailablePolicies)
                {
                    text.Append("  - ").Append(missing.Describe()).Append(": ").AppendLine(missing.Reason);
                }

                break;
            default:
                text.AppendLine("Denied implicitly: nothing denies the request, but");
                foreach (var reason in result.DenialReasons)
                {
                    text.Append("  - ").AppendLine(Describe(reason));
                }

                break;
        }

        foreach (var statement in result.DeterminingStatements)
        {
            text.Append("  - ").AppendLine(Describe(statement));
        }

        if (result.MissingContextKeys.Count > 0)
        {
            text.Append("Missing context keys: ").AppendLine(string.Join(", ", result.MissingContextKeys));
        }

        foreach (var error in result.Errors)
        {
            text.Append("Skipped ").Append(Describe(error.Statement)).Append(": ").AppendLine(error.Message);
        }

        return text.ToString();
    }

    /// <summary>One statement, e.g. <c>Deny in identity-based policy "ops" (arn…), statement 2 (Sid "NoProd")</c>.</summary>
    public static string Describe(StatementReference statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var text = new StringBuilder();
        text.Append(statement.Effect).Append(" in ").Append(KindName(statement.Kind)).Append(" \"").Append(statement.PolicyName).Append('"');
        if (statement.PolicyArn is not null)
        {
            text.Append(" (").Append(statement.PolicyArn).Append(')');
        }

        text.Append(", statement ").Append(statement.StatementIndex);
        if (statement.Sid is not null)
        {
            text.Append(" (Sid \"").Append(statement.Sid).Append("\")");
        }

        return text.ToString();
    }

    private static string KindName(PolicyType kind) => kind switch
    {
        PolicyType.Identity => "identity-based policy",
        PolicyType.ResourceBased => "resource-based policy",
        PolicyType.TrustPolicy => "role trust policy",
        PolicyType.PermissionsBoundary => "permissions boundary",
        PolicyType.Session => "session policy",
        _ => "guardrail (service control policy)",
    };

    private static string Describe(DenialReason reason) => reason switch
    {
        DenialReason.NoGuardrailAllows => "no guardrail (service control policy) allows it",
        DenialReason.NoResourcePolicyAllows => "the resource-based (or trust) policy does not allow it, and it must",
        DenialReason.NoIdentityPolicyAllows => "no identity-based policy allows it",
        DenialReason.NoPermissionsBoundaryAllows => "the permissions boundary does not allow it",
        _ => "no session policy allows it",
    };
}
