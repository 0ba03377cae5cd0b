using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;

namespace IamDb.Policy.Explain;

/// <summary>
/// AWS's AccessDenied message text. Forms (IAM User Guide, "Troubleshoot access denied error messages"):
/// <c>User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the ACTION action</c>
/// and <c>… with an explicit deny in an identity-based policy[: POLICY-ARN]</c>, with the policy types
/// service control policy, resource-based policy, identity-based policy, permissions boundary and session policy.
/// </summary>
public static class AccessDeniedMessage
{
    /// <summary>The message for an explained denial, naming the policy type (and the policy ARN for a managed policy).</summary>
    public static string Render(AuthorizationResult result, in AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(result);
        var head = Head(request.Principal.Arn, request.Action, request.Resource);
        return result.Decision switch
        {
            Decision.ExplicitDeny when result.DeterminingStatements.Count > 0 => head + ExplicitClause(result.DeterminingStatements[0]),
            Decision.ExplicitDeny when result.UnavailablePolicies.Count > 0 => $"{head} because {result.UnavailablePolicies[0].Describe()}",
            Decision.ExplicitDeny => head + " with an explicit deny",
            Decision.ImplicitDeny when result.DenialReasons.Count > 0 =>
                $"{head} because no {NoPolicyPhrase(result.DenialReasons[0])} allows the {request.Action} action",
            Decision.ImplicitDeny => head,
            _ => throw new ArgumentException("the request was allowed: there is no AccessDenied message", nameof(result)),
        };
    }

    /// <summary>The short form, from a fast-mode decision only: <c>… on resource: ARN[ with an explicit deny]</c>.</summary>
    public static string Render(string principalArn, string action, string resource, Decision decision) => decision switch
    {
        Decision.ExplicitDeny => Head(principalArn, action, resource) + " with an explicit deny",
        Decision.ImplicitDeny => Head(principalArn, action, resource),
        _ => throw new ArgumentException("the request was allowed: there is no AccessDenied message", nameof(decision)),
    };

    /// <summary>The policy type as AWS words it after "with an explicit deny in".</summary>
    public static string PolicyTypePhrase(PolicyType kind) => kind switch
    {
        PolicyType.Guardrail => "a service control policy",
        PolicyType.ResourceBased or PolicyType.TrustPolicy => "a resource-based policy",
        PolicyType.PermissionsBoundary => "a permissions boundary",
        PolicyType.Session => "a session policy",
        _ => "an identity-based policy",
    };

    private static string Head(string principalArn, string action, string resource) =>
        string.IsNullOrEmpty(resource) || resource == "*"
            ? $"User: {principalArn} is not authorized to perform: {action}"
            : $"User: {principalArn} is not authorized to perform: {action} on resource: {resource}";

    private static string ExplicitClause(StatementReference statement) =>
        $" with an explicit deny in {PolicyTypePhrase(statement.Kind)}" + (statement.PolicyArn is null ? string.Empty : $": {statement.PolicyArn}");

    private static string NoPolicyPhrase(DenialReason reason) => reason switch
    {
        DenialReason.NoGuardrailAllows => "service control policy",
        DenialReason.NoResourcePolicyAllows => "resource-based policy",
        DenialReason.NoPermissionsBoundaryAllows => "permissions boundary",
        DenialReason.NoSessionPolicyAllows => "session policy",
        _ => "identity-based policy",
    };
}
