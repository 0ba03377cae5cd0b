namespace IamDb.Policy.Model;

/// <summary>
/// A policy document as written: the JSON form, parsed and validated but not compiled.
/// Evaluation works on the compiled form; this one is for storing, echoing back and linting.
/// </summary>
/// <param name="Version">The <c>Version</c> element, or null when absent (then policy variables are literal text).</param>
/// <param name="Id">The optional <c>Id</c> element.</param>
/// <param name="Statements">The statements, in document order (a single statement object becomes a one-item list).</param>
public sealed record PolicyDocument(string? Version, string? Id, IReadOnlyList<PolicyStatement> Statements)
{
    /// <summary>The current policy language version.</summary>
    public const string Version2012 = "2012-10-17";

    /// <summary>The legacy version, under which policy variables are not recognised.</summary>
    public const string Version2008 = "2008-10-17";

    /// <summary>True when policy variables (<c>${…}</c>) are substituted: only under <c>2012-10-17</c>.</summary>
    public bool SupportsPolicyVariables => Version == Version2012;
}

/// <summary>Whether a statement allows or denies.</summary>
public enum PolicyEffect
{
    /// <summary><c>"Effect": "Allow"</c>.</summary>
    Allow,

    /// <summary><c>"Effect": "Deny"</c>.</summary>
    Deny,
}

/// <summary>One statement of a policy document.</summary>
/// <param name="Sid">The optional statement id.</param>
/// <param name="Effect">Allow or Deny.</param>
/// <param name="Action">The <c>Action</c> or <c>NotAction</c> element (exactly one is present in a valid statement).</param>
/// <param name="Resource">The <c>Resource</c> or <c>NotResource</c> element; null in a role trust policy.</param>
/// <param name="Principal">The <c>Principal</c> or <c>NotPrincipal</c> element; null in identity policies.</param>
/// <param name="Conditions">The <c>Condition</c> block flattened: one entry per operator and key, in document order.</param>
public sealed record PolicyStatement(
    string? Sid,
    PolicyEffect Effect,
    ActionElement Action,
    ResourceElement? Resource,
    PrincipalElement? Principal,
    IReadOnlyList<ConditionEntry> Conditions);

/// <summary>An <c>Action</c> or <c>NotAction</c> element.</summary>
/// <param name="IsNot">True for <c>NotAction</c>.</param>
/// <param name="Values">The action patterns, such as <c>redshift:GetClusterCredentials</c> or <c>iam:*</c>.</param>
public sealed record ActionElement(bool IsNot, IReadOnlyList<string> Values);

/// <summary>A <c>Resource</c> or <c>NotResource</c> element.</summary>
/// <param name="IsNot">True for <c>NotResource</c>.</param>
/// <param name="Values">The resource ARN patterns, or <c>*</c>.</param>
public sealed record ResourceElement(bool IsNot, IReadOnlyList<string> Values);

/// <summary>
/// A <c>Principal</c> or <c>NotPrincipal</c> element: either <c>"*"</c> or a map from principal type
/// (<c>AWS</c>, <c>Service</c>, <c>Federated</c>, <c>CanonicalUser</c>) to identifiers.
/// </summary>
/// <param name="IsNot">True for <c>NotPrincipal</c>.</param>
/// <param name="IsWildcard">True for <c>"Principal": "*"</c>.</param>
/// <param name="Values">Principal type to identifiers, in document order; empty when <paramref name="IsWildcard"/>.</param>
public sealed record PrincipalElement(bool IsNot, bool IsWildcard, IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Values);

/// <summary>
/// One condition: an operator (with its qualifiers, as written: <c>ForAnyValue:StringLikeIfExists</c>),
/// a context key, and the values, which are ORed. JSON numbers and booleans are kept as their text.
/// </summary>
/// <param name="Operator">The operator as written in the document.</param>
/// <param name="Key">The condition key as written (keys compare case-insensitively).</param>
/// <param name="Values">The values, as strings.</param>
public sealed record ConditionEntry(string Operator, string Key, IReadOnlyList<string> Values);
