namespace IamDb.Policy.Validation;

/// <summary>The value family an operator compares as; lint matches it against the key's type.</summary>
internal enum OperatorFamily
{
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

/// <summary>The set qualifier written before an operator.</summary>
internal enum SetQualifier
{
    None,
    ForAllValues,
    ForAnyValue,
}

/// <summary>A condition operator taken apart: <c>ForAnyValue:StringLikeIfExists</c> → qualifier, base, IfExists.</summary>
/// <param name="Qualifier">The set qualifier, if any.</param>
/// <param name="BaseName">The base operator, such as <c>StringLike</c>.</param>
/// <param name="Family">What the operator compares.</param>
/// <param name="IfExists">True when the <c>IfExists</c> suffix is present.</param>
/// <param name="IsNegated">True for the negated operators (<c>StringNotEquals</c>, <c>NotIpAddress</c>…), which match when the key is absent.</param>
internal sealed record ConditionOperatorInfo(SetQualifier Qualifier, string BaseName, OperatorFamily Family, bool IfExists, bool IsNegated);

/// <summary>
/// Every IAM condition operator (reference §1.5), the set qualifiers <c>ForAllValues:</c>/<c>ForAnyValue:</c> and
/// the <c>IfExists</c> suffix, which any operator but <c>Null</c> may take. Names are case-sensitive.
/// </summary>
internal static class ConditionOperatorCatalog
{
    private const string IfExistsSuffix = "IfExists";

    private static readonly Dictionary<string, (OperatorFamily Family, bool Negated)> BaseOperators = new(StringComparer.Ordinal)
    {
        ["StringEquals"] = (OperatorFamily.String, false),
        ["StringNotEquals"] = (OperatorFamily.String, true),
        ["StringEqualsIgnoreCase"] = (OperatorFamily.String, false),
        ["StringNotEqualsIgnoreCase"] = (OperatorFamily.String, true),
        ["StringLike"] = (OperatorFamily.String, false),
        ["StringNotLike"] = (OperatorFamily.String, true),
        ["NumericEquals"] = (OperatorFamily.Numeric, false),
        ["NumericNotEquals"] = (OperatorFamily.Numeric, true),
        ["NumericLessThan"] = (OperatorFamily.Numeric, false),
        ["NumericLessThanEquals"] = (OperatorFamily.Numeric, false),
        ["NumericGreaterThan"] = (OperatorFamily.Numeric, false),
        ["NumericGreaterThanEquals"] = (OperatorFamily.Numeric, false),
        ["DateEquals"] = (OperatorFamily.Date, false),
        ["DateNotEquals"] = (OperatorFamily.Date, true),
        ["DateLessThan"] = (OperatorFamily.Date, false),
        ["DateLessThanEquals"] = (OperatorFamily.Date, false),
        ["DateGreaterThan"] = (OperatorFamily.Date, false),
        ["DateGreaterThanEquals"] = (OperatorFamily.Date, false),
        ["Bool"] = (OperatorFamily.Bool, false),
        ["BinaryEquals"] = (OperatorFamily.Binary, false),
        ["IpAddress"] = (OperatorFamily.IpAddress, false),
        ["NotIpAddress"] = (OperatorFamily.IpAddress, true),
        ["ArnEquals"] = (OperatorFamily.Arn, false),
        ["ArnLike"] = (OperatorFamily.Arn, false),
        ["ArnNotEquals"] = (OperatorFamily.Arn, true),
        ["ArnNotLike"] = (OperatorFamily.Arn, true),
        ["Null"] = (OperatorFamily.Null, false),
    };

    /// <summary>The base operator names, for generators and documentation.</summary>
    public static IReadOnlyCollection<string> BaseNames => BaseOperators.Keys;

    /// <summary>Takes an operator apart; false when it is not a valid IAM operator.</summary>
    public static bool TryParse(string op, out ConditionOperatorInfo info)
    {
        info = null!;
        var rest = op.AsSpan();
        var qualifier = SetQualifier.None;
        if (rest.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAllValues;
            rest = rest["ForAllValues:".Length..];
        }
        else if (rest.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAnyValue;
            rest = rest["ForAnyValue:".Length..];
        }

        var ifExists = false;
        var name = rest.ToString();
        if (!BaseOperators.ContainsKey(name) && name.EndsWith(IfExistsSuffix, StringComparison.Ordinal))
        {
            ifExists = true;
            name = name[..^IfExistsSuffix.Length];
        }

        if (!BaseOperators.TryGetValue(name, out var entry))
        {
            return false;
        }

        if (entry.Family == OperatorFamily.Null && ifExists)
        {
            return false;
        }

        info = new ConditionOperatorInfo(qualifier, name, entry.Family, ifExists, entry.Negated);
        return true;
    }

    /// <summary>True for <c>NullIfExists</c> and its qualified forms, which deserve their own explanation.</summary>
    public static bool IsNullWithIfExists(string op) =>
        op.EndsWith("NullIfExists", StringComparison.Ordinal);
}
