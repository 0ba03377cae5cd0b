namespace IamDb.Policy.Compilation;

/// <summary>How a request value is compared with the policy values.</summary>
internal enum ConditionFamily
{
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric,
    Date,
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

/// <summary>What the families compare, for messages and for the linter's key-type checks.</summary>
internal static class ConditionFamilies
{
    /// <summary>True for the three string families (equal, equal ignoring case, like).</summary>
    public static bool ComparesStrings(this ConditionFamily family) =>
        family is ConditionFamily.StringEquals or ConditionFamily.StringEqualsIgnoreCase or ConditionFamily.StringLike;

    /// <summary>The kind of value compared, in words: <c>string</c>, <c>numeric</c>, <c>date</c>, <c>arn</c>…</summary>
    public static string ValueKind(this ConditionFamily family) =>
        family.ComparesStrings() ? "string" : family.ToString().ToLowerInvariant();
}

/// <summary>The ordering test of a Numeric or Date operator: request value OP policy value.</summary>
internal enum Comparison
{
    Equal,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

/// <summary>The <c>ForAllValues:</c> / <c>ForAnyValue:</c> prefix.</summary>
internal enum SetQualifier
{
    None,
    ForAllValues,
    ForAnyValue,
}

/// <summary>A condition operator split into its parts: family, comparison, negation, IfExists and set qualifier.</summary>
internal readonly record struct ConditionOperator(
    ConditionFamily Family,
    Comparison Comparison,
    bool Negated,
    bool IfExists,
    SetQualifier Qualifier)
{
    private static readonly Dictionary<string, (ConditionFamily Family, Comparison Comparison, bool Negated)> BaseOperators =
        new(StringComparer.Ordinal)
        {
            ["StringEquals"] = (ConditionFamily.StringEquals, Comparison.Equal, false),
            ["StringNotEquals"] = (ConditionFamily.StringEquals, Comparison.Equal, true),
            ["StringEqualsIgnoreCase"] = (ConditionFamily.StringEqualsIgnoreCase, Comparison.Equal, false),
            ["StringNotEqualsIgnoreCase"] = (ConditionFamily.StringEqualsIgnoreCase, Comparison.Equal, true),
            ["StringLike"] = (ConditionFamily.StringLike, Comparison.Equal, false),
            ["StringNotLike"] = (ConditionFamily.StringLike, Comparison.Equal, true),
            ["NumericEquals"] = (ConditionFamily.Numeric, Comparison.Equal, false),
            ["NumericNotEquals"] = (ConditionFamily.Numeric, Comparison.Equal, true),
            ["NumericLessThan"] = (ConditionFamily.Numeric, Comparison.LessThan, false),
            ["NumericLessThanEquals"] = (ConditionFamily.Numeric, Comparison.LessThanEquals, false),
            ["NumericGreaterThan"] = (ConditionFamily.Numeric, Comparison.GreaterThan, false),
            ["NumericGreaterThanEquals"] = (ConditionFamily.Numeric, Comparison.GreaterThanEquals, false),
            ["DateEquals"] = (ConditionFamily.Date, Comparison.Equal, false),
            ["DateNotEquals"] = (ConditionFamily.Date, Comparison.Equal, true),
            ["DateLessThan"] = (ConditionFamily.Date, Comparison.LessThan, false),
            ["DateLessThanEquals"] = (ConditionFamily.Date, Comparison.LessThanEquals, false),
            ["DateGreaterThan"] = (ConditionFamily.Date, Comparison.GreaterThan, false),
            ["DateGreaterThanEquals"] = (ConditionFamily.Date, Comparison.GreaterThanEquals, false),
            ["Bool"] = (ConditionFamily.Bool, Comparison.Equal, false),
            ["BinaryEquals"] = (ConditionFamily.Binary, Comparison.Equal, false),
            ["IpAddress"] = (ConditionFamily.IpAddress, Comparison.Equal, false),
            ["NotIpAddress"] = (ConditionFamily.IpAddress, Comparison.Equal, true),
            ["ArnEquals"] = (ConditionFamily.Arn, Comparison.Equal, false),
            ["ArnLike"] = (ConditionFamily.Arn, Comparison.Equal, false),
            ["ArnNotEquals"] = (ConditionFamily.Arn, Comparison.Equal, true),
            ["ArnNotLike"] = (ConditionFamily.Arn, Comparison.Equal, true),
            ["Null"] = (ConditionFamily.Null, Comparison.Equal, false),
        };

    /// <summary>Policy variables are recognised in the values of string and ARN operators only.</summary>
    public bool AcceptsVariables => Family is ConditionFamily.StringEquals or ConditionFamily.StringEqualsIgnoreCase
        or ConditionFamily.StringLike or ConditionFamily.Arn;

    /// <summary>Splits an operator as written (<c>ForAnyValue:StringNotLikeIfExists</c>); an error message when unknown.</summary>
    public static bool TryParse(string text, out ConditionOperator op, out string? error)
    {
        op = default;
        var name = text.AsSpan().Trim();
        var qualifier = SetQualifier.None;
        if (name.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAllValues;
            name = name["ForAllValues:".Length..];
        }
        else if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAnyValue;
            name = name["ForAnyValue:".Length..];
        }

        var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal);
        if (ifExists)
        {
            name = name[..^"IfExists".Length];
        }

        if (!BaseOperators.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var parts))
        {
            error = $"unknown condition operator `{text}`";
            return false;
        }

        if (parts.Family == ConditionFamily.Null && (ifExists || qualifier != SetQualifier.None))
        {
            error = $"condition operator `{text}`: Null takes neither IfExists nor a set qualifier";
            return false;
        }

        op = new ConditionOperator(parts.Family, parts.Comparison, parts.Negated, ifExists, qualifier);
        error = null;
        return true;
    }
}
