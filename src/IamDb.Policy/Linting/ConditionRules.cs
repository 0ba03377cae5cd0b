using System.Globalization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Model;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Linting;

/// <summary>Rules about conditions: unknown keys, operator/key fit, set operators, and conditions that can never all hold.</summary>
internal static class ConditionRules
{
    private sealed record Entry(ConditionEntry Condition, ConditionOperatorInfo Op, string Path);

    public static void Apply(StatementContext c)
    {
        var entries = new List<Entry>();
        foreach (var condition in c.Statement.Conditions)
        {
            if (!ConditionOperatorCatalog.TryParse(condition.Operator, out var op))
            {
                continue; // The parser rejects these; a hand-built document may still carry one.
            }

            var path = PolicyPath.Child(PolicyPath.Child(PolicyPath.Child(c.Path, "Condition"), condition.Operator), condition.Key);
            entries.Add(new Entry(condition, op, path));
            CheckKey(c, condition, op, path);
            if (!c.Document.SupportsPolicyVariables && condition.Values.Any(v => v.Contains("${", StringComparison.Ordinal)))
            {
                var value = condition.Values.First(v => v.Contains("${", StringComparison.Ordinal));
                c.Report(LintSeverity.Warning, LintCodes.VariableWithoutVersion2012, ResourceRules.VariableMessage(c.Document, value), path);
            }
        }

        foreach (var sameKey in entries.GroupBy(e => e.Condition.Key, StringComparer.OrdinalIgnoreCase))
        {
            var group = sameKey.ToList();
            if (group.Count > 1)
            {
                CheckContradictions(c, group);
            }
        }
    }

    private static void CheckKey(StatementContext c, ConditionEntry condition, ConditionOperatorInfo op, string path)
    {
        var key = condition.Key;
        var info = ConditionKeyCatalog.Find(key);
        if (info is null)
        {
            if (ConditionKeyCatalog.IsJudgedVendor(key))
            {
                c.Report(LintSeverity.Warning, LintCodes.UnknownConditionKey, $"`{key}` is not a known condition key", path);
            }

            return;
        }

        if (!ConditionKeyCatalog.Fits(op.Family, info.Type))
        {
            c.Report(LintSeverity.Warning, LintCodes.OperatorKeyTypeMismatch,
                $"`{condition.Operator}` compares {op.Family.ValueKind()} values but `{key}` holds {Describe(info.Type)}", path);
        }

        if (op.Qualifier != SetQualifier.None && !info.IsMultivalued)
        {
            c.Report(LintSeverity.Warning, LintCodes.SetOperatorOnSingleValuedKey,
                $"`{condition.Operator}` is a set operator but `{key}` has a single value; " +
                (op.Qualifier == SetQualifier.ForAllValues ? "`ForAllValues` also matches when the key is absent" : "use the plain operator"),
                path);
        }
        else if (op.Qualifier == SetQualifier.None && info.IsMultivalued && op.Family != ConditionFamily.Null)
        {
            c.Report(LintSeverity.Warning, LintCodes.MissingSetOperatorOnMultivaluedKey,
                $"`{key}` holds a set of values: qualify `{condition.Operator}` with `ForAnyValue:` or `ForAllValues:`", path);
        }
    }

    private static string Describe(KeyType type) =>
        string.Join(" or ", Enum.GetValues<KeyType>().Where(t => t != KeyType.None && type.HasFlag(t)).Select(t => t.ToString().ToLowerInvariant())) + " values";

    // ---- statements that can never match ----------------------------------------------------------

    private static void CheckContradictions(StatementContext c, List<Entry> group)
    {
        // At least one of a pair must be without IfExists: otherwise an absent key satisfies both.
        foreach (var a in group)
        {
            foreach (var b in group)
            {
                if (ReferenceEquals(a, b) || a.Op.Qualifier != SetQualifier.None || b.Op.Qualifier != SetQualifier.None
                    || HasVariable(a) || HasVariable(b))
                {
                    continue;
                }

                if (ContradictoryEquality(a, b) && Report(c, LintCodes.ContradictoryEquality, a, b,
                        $"`{a.Condition.Operator}` and `{b.Condition.Operator}` on `{a.Condition.Key}` cannot both hold, so this statement never applies"))
                {
                    return;
                }
            }
        }

        var nullTrue = group.FirstOrDefault(e => e.Op.Family == ConditionFamily.Null && e.Condition.Values.All(IsTrue));
        var valueTest = group.FirstOrDefault(e => e.Op.Family != ConditionFamily.Null && !e.Op.IfExists && !e.Op.IsNegated
            && e.Op.Qualifier != SetQualifier.ForAllValues);
        if (nullTrue is not null && valueTest is not null)
        {
            c.Report(LintSeverity.Error, LintCodes.NullTrueWithValueTest,
                $"`Null` `true` requires `{nullTrue.Condition.Key}` to be absent but `{valueTest.Condition.Operator}` requires a value, so this statement never applies",
                valueTest.Path);
            return;
        }

        CheckRange(c, group);
    }

    private static bool Report(StatementContext c, string code, Entry a, Entry b, string message)
    {
        if (a.Op.IfExists && b.Op.IfExists)
        {
            return false;
        }

        c.Report(LintSeverity.Error, code, message, b.Path);
        return true;
    }

    /// <summary>Two equality tests with disjoint values, or an equality whose values the other operator's negation excludes.</summary>
    private static bool ContradictoryEquality(Entry a, Entry b)
    {
        var comparer = EqualityComparerFor(a.Op.BaseName);
        if (comparer is null)
        {
            return false;
        }

        if (a.Op.BaseName == b.Op.BaseName && !string.Equals(a.Condition.Operator, b.Condition.Operator, StringComparison.Ordinal))
        {
            return !a.Condition.Values.Any(v => b.Condition.Values.Contains(v, comparer));
        }

        // `a` requires the key (no IfExists) to equal one of its values; `b` forbids all of them.
        return !a.Op.IfExists && b.Op.BaseName == NegationOf(a.Op.BaseName)
            && a.Condition.Values.All(v => b.Condition.Values.Contains(v, comparer));
    }

    private static IEqualityComparer<string>? EqualityComparerFor(string baseName) => baseName switch
    {
        "StringEquals" => StringComparer.Ordinal,
        "StringEqualsIgnoreCase" => StringComparer.OrdinalIgnoreCase,
        "NumericEquals" => NumericTextComparer.Instance,
        _ => null,
    };

    private static string? NegationOf(string baseName) => baseName switch
    {
        "StringEquals" => "StringNotEquals",
        "StringEqualsIgnoreCase" => "StringNotEqualsIgnoreCase",
        "NumericEquals" => "NumericNotEquals",
        _ => null,
    };

    /// <summary>LessThan and GreaterThan bounds on one key that leave no value between them.</summary>
    private static void CheckRange(StatementContext c, List<Entry> group)
    {
        Entry? upper = null, lower = null;
        decimal upperBound = 0, lowerBound = 0;
        foreach (var e in group)
        {
            if (e.Op.Qualifier != SetQualifier.None || e.Op.Family is not (ConditionFamily.Date or ConditionFamily.Numeric))
            {
                continue;
            }

            var bounds = e.Condition.Values.Select(v => ToNumber(e.Op.Family, v)).ToList();
            if (bounds.Any(b => b is null))
            {
                continue;
            }

            // Values are ORed: the loosest bound decides.
            if (e.Op.BaseName.Contains("LessThan", StringComparison.Ordinal))
            {
                upper = e;
                upperBound = bounds.Max(b => b!.Value);
            }
            else if (e.Op.BaseName.Contains("GreaterThan", StringComparison.Ordinal))
            {
                lower = e;
                lowerBound = bounds.Min(b => b!.Value);
            }
        }

        if (upper is null || lower is null || upper.Op.Family != lower.Op.Family || (upper.Op.IfExists && lower.Op.IfExists))
        {
            return;
        }

        var inclusive = upper.Op.BaseName.EndsWith("Equals", StringComparison.Ordinal) && lower.Op.BaseName.EndsWith("Equals", StringComparison.Ordinal);
        if (upperBound < lowerBound || (upperBound == lowerBound && !inclusive))
        {
            c.Report(LintSeverity.Error, LintCodes.EmptyRange,
                $"`{upper.Condition.Operator}` and `{lower.Condition.Operator}` on `{upper.Condition.Key}` leave no value between them, so this statement never applies",
                lower.Path);
        }
    }

    /// <summary>A date (ISO 8601 or epoch seconds) or number as a comparable decimal; null when it does not parse.</summary>
    private static decimal? ToNumber(ConditionFamily family, string value)
    {
        if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        if (family == ConditionFamily.Date
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date.ToUnixTimeMilliseconds() / 1000m;
        }

        return null;
    }

    private static bool HasVariable(Entry e) => e.Condition.Values.Any(v => v.Contains("${", StringComparison.Ordinal));

    private static bool IsTrue(string value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Compares numeric condition values by value (<c>1.0</c> equals <c>1</c>), falling back to text.</summary>
    private sealed class NumericTextComparer : IEqualityComparer<string>
    {
        public static NumericTextComparer Instance { get; } = new();

        public bool Equals(string? x, string? y) =>
            decimal.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            && decimal.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var b)
                ? a == b
                : string.Equals(x, y, StringComparison.Ordinal);

        public int GetHashCode(string obj) => 0;
    }
}
