using IamDb.Policy.Compilation;

namespace IamDb.Policy.Validation;

/// <summary>A condition operator taken apart: <c>ForAnyValue:StringLikeIfExists</c> → qualifier, base, IfExists.</summary>
/// <param name="Qualifier">The set qualifier, if any.</param>
/// <param name="BaseName">The base operator, such as <c>StringLike</c>.</param>
/// <param name="Family">What the operator compares (the compiler's family; lint matches it against the key's type).</param>
/// <param name="IfExists">True when the <c>IfExists</c> suffix is present.</param>
/// <param name="IsNegated">True for the negated operators (<c>StringNotEquals</c>, <c>NotIpAddress</c>…), which match when the key is absent.</param>
internal sealed record ConditionOperatorInfo(SetQualifier Qualifier, string BaseName, ConditionFamily Family, bool IfExists, bool IsNegated);

/// <summary>
/// Condition operators as the validator and linter see them. The compiler's <see cref="ConditionOperator"/> is the one
/// list of operators and rules (qualifiers, <c>IfExists</c>, what <c>Null</c> may take), so a policy the parser accepts
/// always compiles. Names are case-sensitive.
/// </summary>
internal static class ConditionOperatorCatalog
{
    /// <summary>Takes an operator apart; false when it is not a valid IAM operator.</summary>
    public static bool TryParse(string op, out ConditionOperatorInfo info)
    {
        info = null!;
        if (op.AsSpan().Trim().Length != op.Length || !ConditionOperator.TryParse(op, out var parsed, out _))
        {
            return false;
        }

        var baseName = op.AsSpan();
        if (parsed.Qualifier != SetQualifier.None)
        {
            baseName = baseName[(baseName.IndexOf(':') + 1)..];
        }

        if (parsed.IfExists)
        {
            baseName = baseName[..^"IfExists".Length];
        }

        info = new ConditionOperatorInfo(parsed.Qualifier, baseName.ToString(), parsed.Family, parsed.IfExists, parsed.Negated);
        return true;
    }

    /// <summary>True for <c>NullIfExists</c> and its qualified forms, which deserve their own explanation.</summary>
    public static bool IsNullWithIfExists(string op) =>
        op.EndsWith("NullIfExists", StringComparison.Ordinal);
}
