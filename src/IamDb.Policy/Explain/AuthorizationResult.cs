using IamDb.Policy.Authorization;

namespace IamDb.Policy.Explain;

/// <summary>A decision with its diagnostics (explain mode).</summary>
public sealed class AuthorizationResult
{
    internal AuthorizationResult(
        Decision decision,
        IReadOnlyList<StatementReference> determining,
        IReadOnlyList<StatementReference> matched,
        IReadOnlyList<DenialReason> denialReasons,
        IReadOnlyList<string> missingContextKeys,
        IReadOnlyList<StatementError> errors,
        IReadOnlyList<UnavailablePolicy>? unavailable = null)
    {
        UnavailablePolicies = unavailable ?? [];
        Decision = decision;
        DeterminingStatements = determining;
        MatchedStatements = matched;
        DenialReasons = denialReasons;
        MissingContextKeys = missingContextKeys;
        Errors = errors;
    }

    /// <summary>The decision; always equal to <see cref="PolicyAuthorizer.Authorize"/>'s for the same input.</summary>
    public Decision Decision { get; }

    /// <summary>The statements that decided it: every matching Deny for an explicit deny; the Allow statements that
    /// granted it for an allow; empty for an implicit deny (see <see cref="DenialReasons"/>).</summary>
    public IReadOnlyList<StatementReference> DeterminingStatements { get; }

    /// <summary>Every statement that applied to the request (Allow and Deny), in evaluation order.</summary>
    public IReadOnlyList<StatementReference> MatchedStatements { get; }

    /// <summary>For an implicit deny, each required kind of policy that had no applicable Allow, in evaluation order.</summary>
    public IReadOnlyList<DenialReason> DenialReasons { get; }

    /// <summary>Context keys referenced by conditions (or policy variables) of statements whose action and resource
    /// applied, but absent from the request (SimulatePrincipalPolicy's <c>MissingContextValues</c>), sorted.</summary>
    public IReadOnlyList<string> MissingContextKeys { get; }

    /// <summary>Applicable policies that could not be loaded; when any is listed the decision is an explicit deny.</summary>
    public IReadOnlyList<UnavailablePolicy> UnavailablePolicies { get; }

    /// <summary>Statements that were skipped because they could not be evaluated.</summary>
    public IReadOnlyList<StatementError> Errors { get; }
}
