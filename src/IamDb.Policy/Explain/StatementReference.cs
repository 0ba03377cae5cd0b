using IamDb.Policy.Compilation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Explain;

/// <summary>Identifies one statement of one policy, for audit records and explanations.</summary>
/// <param name="PolicyName">The policy's name.</param>
/// <param name="PolicyArn">The managed policy ARN, or null.</param>
/// <param name="Kind">The role the policy played.</param>
/// <param name="StatementIndex">Zero-based index of the statement in the document.</param>
/// <param name="Sid">The statement's Sid, if any.</param>
/// <param name="Effect">Allow or Deny.</param>
public sealed record StatementReference(string PolicyName, string? PolicyArn, PolicyKind Kind, int StatementIndex, string? Sid, PolicyEffect Effect)
{
    internal static StatementReference Of(CompiledStatement statement) =>
        new(statement.Policy.Name, statement.Policy.Arn, statement.Policy.Kind, statement.Index, statement.Sid, statement.Effect);
}

/// <summary>A statement that was skipped because it could not be evaluated.</summary>
/// <param name="Statement">The statement.</param>
/// <param name="Message">Why.</param>
public sealed record StatementError(StatementReference Statement, string Message);

/// <summary>Why a request was implicitly denied: which required kind of policy had no applicable Allow.</summary>
public enum DenialReason
{
    /// <summary>A guardrail level (service control policy semantics) has no applicable Allow.</summary>
    NoGuardrailAllows,

    /// <summary>The trust policy, or the resource policy of a cross-account request, has no applicable Allow.</summary>
    NoResourcePolicyAllows,

    /// <summary>No identity-based policy allows the action.</summary>
    NoIdentityPolicyAllows,

    /// <summary>The permissions boundary does not allow the action.</summary>
    NoPermissionsBoundaryAllows,

    /// <summary>No session policy allows the action (or a federated user session was given none).</summary>
    NoSessionPolicyAllows,
}
