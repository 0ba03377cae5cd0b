using IamDb.Aws.Errors;
using IamDb.Policy.Authorization;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;

namespace IamDb.Broker.Authorization;

/// <summary>
/// One authorization decision, as a value: the outcome, the statements that decided it, the context keys the policies
/// asked for that the request did not carry, and for a denial AWS's <c>AccessDenied</c> error.
/// </summary>
/// <param name="Action">The action decided, for example <c>redshift:JoinGroup</c>.</param>
/// <param name="Resource">The resource ARN decided on.</param>
/// <param name="Decision">Allow, or the kind of deny.</param>
/// <param name="DecidingStatements">The statements that decided it, described (policy, statement, position).</param>
/// <param name="MissingContextKeys">Condition keys a policy tested that the request did not have.</param>
/// <param name="AuditText">The line the audit record's decision trace shows.</param>
/// <param name="Denial">AWS's AccessDenied error with its message; null when allowed.</param>
internal sealed record AuthorizationDecision(
    string Action,
    string Resource,
    Decision Decision,
    IReadOnlyList<string> DecidingStatements,
    IReadOnlyList<string> MissingContextKeys,
    string AuditText,
    AwsError? Denial)
{
    /// <summary>True when the action is allowed.</summary>
    public bool IsAllowed => Denial is null;

    /// <summary>The root user's decision: allowed without loading a policy.</summary>
    public static AuthorizationDecision RootAllowed(string action, string resource) =>
        new(action, resource, Decision.Allow, [], [], $"Allow {action} on {resource}: the account root user", null);

    /// <summary>The decision the policy engine's explained result stands for.</summary>
    public static AuthorizationDecision From(string action, string resource, AuthorizationResult result, in AuthorizationRequest request)
    {
        var statements = result.DeterminingStatements.Select(ExplanationText.Describe).ToList();
        if (result.Decision == Decision.Allow)
        {
            var by = statements.Count > 0 ? string.Join("; ", statements) : "no statement needed";
            return new(action, resource, result.Decision, statements, result.MissingContextKeys, $"Allow {action} on {resource}: {by}", null);
        }

        var message = AccessDeniedMessage.Render(result, in request);
        var detail = statements.Count > 0 ? ": " + string.Join("; ", statements) : string.Empty;
        foreach (var missing in result.UnavailablePolicies)
        {
            detail += $"; {missing.Describe()}: {missing.Reason}";
        }

        return new(
            action,
            resource,
            result.Decision,
            statements,
            result.MissingContextKeys,
            $"{result.Decision} {action} on {resource}: {message}{detail}",
            new AwsError(AwsErrorCodes.AccessDenied, message, 403));
    }
}
