using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Compilation;

/// <summary>
/// One operator + key + values from a Condition block, with the values parsed once for their family.
/// Semantics (IAM User Guide, condition operators and multivalued keys pages):
/// values of one key are ORed; a negated operator is the NOT of that OR; a missing key makes the condition false,
/// except that negated operators and <c>ForAllValues</c> are then true, <c>ForAnyValue</c> false and <c>IfExists</c> true.
/// </summary>
internal sealed class CompiledCondition
{
    private readonly PatternTemplate[] _patterns = [];
    private readonly decimal[] _numbers = [];
    private readonly DateTimeOffset[] _dates = [];
    private readonly bool[] _flags = [];
    private readonly byte[][] _binaries = [];
    private readonly IpCidr[] _cidrs = [];

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key)
    {
        Source = source;
        Operator = op;
        Key = key;
    }

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key, PatternTemplate[] patterns)
        : this(source, op, key) => _patterns = patterns;

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key, decimal[] numbers)
        : this(source, op, key) => _numbers = numbers;

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key, DateTimeOffset[] dates)
        : this(source, op, key) => _dates = dates;

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key, bool[] flags)
        : this(source, op, key) => _flags = flags;

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key, byte[][] binaries)
        : this(source, op, key) => _binaries = binaries;

    private CompiledCondition(ConditionEntry source, ConditionOperator op, ConditionKey key, IpCidr[] cidrs)
        : this(source, op, key) => _cidrs = cidrs;

    /// <summary>The condition as written.</summary>
    public ConditionEntry Source { get; }

    public ConditionOperator Operator { get; }

    public ConditionKey Key { get; }

    /// <summary>Keys of policy variables used in the values.</summary>
    public IEnumerable<ConditionKey> VariableKeys => _patterns.SelectMany(p => p.VariableKeys);

    /// <summary>Compiles one condition; an error message when the operator or a value is invalid.</summary>
    public static CompiledCondition? Compile(ConditionEntry entry, bool variables, out string? error)
    {
        if (!ConditionOperator.TryParse(entry.Operator, out var op, out error))
        {
            return null;
        }

        var key = ConditionKey.Parse(entry.Key);
        var values = entry.Values;
        variables &= op.AcceptsVariables;
        switch (op.Family)
        {
            case ConditionFamily.StringEquals or ConditionFamily.StringEqualsIgnoreCase:
                return new CompiledCondition(entry, op, key, [.. values.Select(v => PatternTemplate.Compile(v, variables, wildcards: false))]);
            case ConditionFamily.StringLike or ConditionFamily.Arn:
                return new CompiledCondition(entry, op, key, [.. values.Select(v => PatternTemplate.Compile(v, variables, wildcards: true))]);
            case ConditionFamily.Numeric:
                return ParseAll(values, (string v, out decimal n) => ValueParsing.TryParseNumber(v, out n), "number", entry, out error) is { } numbers
                    ? new CompiledCondition(entry, op, key, numbers)
                    : null;
            case ConditionFamily.Date:
                return ParseAll(values, (string v, out DateTimeOffset d) => ValueParsing.TryParseDate(v, out d), "date", entry, out error) is { } dates
                    ? new CompiledCondition(entry, op, key, dates)
                    : null;
            case ConditionFamily.Bool or ConditionFamily.Null:
                return ParseAll(values, (string v, out bool b) => ValueParsing.TryParseBool(v, out b), "boolean", entry, out error) is { } flags
                    ? new CompiledCondition(entry, op, key, flags)
                    : null;
            case ConditionFamily.Binary:
                return ParseAll<byte[]>(values, TryParseBase64, "base-64 value", entry, out error) is { } binaries
                    ? new CompiledCondition(entry, op, key, binaries)
                    : null;
            case ConditionFamily.IpAddress:
                return ParseAll(values, (string v, out IpCidr c) => ValueParsing.TryParseCidr(v, out c), "IP address or CIDR", entry, out error) is { } cidrs
                    ? new CompiledCondition(entry, op, key, cidrs)
                    : null;
            default:
                error = $"unsupported condition operator `{entry.Operator}`";
                return null;
        }
    }

    /// <summary>True when the condition holds for the request.</summary>
    public bool Evaluate(in EvaluationScope scope) => Evaluate(in scope, out _);

    /// <summary>True when the condition holds; <paramref name="keyMissing"/> reports an absent key (for explain).</summary>
    public bool Evaluate(in EvaluationScope scope, out bool keyMissing)
    {
        var present = scope.TryGetEntry(Key, out var entry);
        keyMissing = !present;
        if (Operator.Family == ConditionFamily.Null)
        {
            // "true" asks for an absent key, "false" for a present one; several values are ORed.
            foreach (var wantAbsent in _flags)
            {
                if (wantAbsent != present)
                {
                    return true;
                }
            }

            return false;
        }

        if (!present)
        {
            return Operator.IfExists || Operator.Qualifier switch
            {
                SetQualifier.ForAllValues => true,   // vacuously true over an empty set
                SetQualifier.ForAnyValue => false,   // no value can match
                _ => Operator.Negated,               // negated operators match a missing key
            };
        }

        switch (Operator.Qualifier)
        {
            case SetQualifier.ForAnyValue:
                for (var i = 0; i < entry.Count; i++)
                {
                    if (MatchesAny(entry, i, in scope) != Operator.Negated)
                    {
                        return true;
                    }
                }

                return false;
            case SetQualifier.ForAllValues:
                for (var i = 0; i < entry.Count; i++)
                {
                    if (MatchesAny(entry, i, in scope) == Operator.Negated)
                    {
                        return false;
                    }
                }

                return true;
            default:
                // A multivalued key needs a set qualifier, even with one element (iam-simulate, re:Inforce 2025 IAM431).
                return !entry.IsMultiValued && MatchesAny(entry, 0, in scope) != Operator.Negated;
        }
    }

    /// <summary>True when request value <paramref name="index"/> matches at least one policy value (the OR).</summary>
    private bool MatchesAny(ContextEntry entry, int index, in EvaluationScope scope)
    {
        switch (Operator.Family)
        {
            case ConditionFamily.StringEquals:
            case ConditionFamily.StringEqualsIgnoreCase:
            case ConditionFamily.StringLike:
            case ConditionFamily.Arn:
                var text = entry.GetText(index);
                foreach (var pattern in _patterns)
                {
                    if (MatchesPattern(pattern, text, in scope))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionFamily.Numeric:
                if (!entry.TryGetNumber(index, out var number))
                {
                    return false;
                }

                foreach (var n in _numbers)
                {
                    if (Compare(number.CompareTo(n)))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionFamily.Date:
                if (!entry.TryGetDate(index, out var date))
                {
                    return false;
                }

                foreach (var d in _dates)
                {
                    if (Compare(date.UtcTicks.CompareTo(d.UtcTicks)))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionFamily.Bool:
                return entry.TryGetBool(index, out var flag) && Array.IndexOf(_flags, flag) >= 0;
            case ConditionFamily.Binary:
                foreach (var bytes in _binaries)
                {
                    if (entry.BinaryEquals(index, bytes))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionFamily.IpAddress:
                if (!entry.TryGetIp(index, out var ip))
                {
                    return false;
                }

                foreach (var cidr in _cidrs)
                {
                    if (cidr.Contains(ip))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private bool MatchesPattern(PatternTemplate pattern, string text, in EvaluationScope scope)
    {
        if (pattern.Encoded is { } encoded)
        {
            return Compare(Operator.Family, encoded, text);
        }

        // A policy variable: an unresolved one makes this value match nothing.
        if (!pattern.TryMeasure(in scope, out var length))
        {
            return false;
        }

        Span<char> buffer = length <= PatternTemplate.StackLimit ? stackalloc char[length] : new char[length];
        pattern.Write(in scope, buffer);
        return Compare(Operator.Family, buffer, text);
    }

    private static bool Compare(ConditionFamily family, ReadOnlySpan<char> policyValue, ReadOnlySpan<char> requestValue) => family switch
    {
        ConditionFamily.StringEquals => requestValue.SequenceEqual(policyValue),
        ConditionFamily.StringEqualsIgnoreCase => requestValue.Equals(policyValue, StringComparison.OrdinalIgnoreCase),
        ConditionFamily.StringLike => Wildcard.Match(policyValue, requestValue),
        _ => Wildcard.MatchArn(policyValue, requestValue),
    };

    private bool Compare(int order) => Operator.Comparison switch
    {
        Comparison.Equal => order == 0,
        Comparison.LessThan => order < 0,
        Comparison.LessThanEquals => order <= 0,
        Comparison.GreaterThan => order > 0,
        _ => order >= 0,
    };

    private static bool TryParseBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text.Trim(), buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    private delegate bool Parser<T>(string text, out T value);

    private static T[]? ParseAll<T>(IReadOnlyList<string> values, Parser<T> parse, string what, ConditionEntry entry, out string? error)
    {
        var parsed = new T[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (!parse(values[i], out parsed[i]))
            {
                error = $"condition `{entry.Operator}` on `{entry.Key}`: `{values[i]}` is not a valid {what}";
                return null;
            }
        }

        error = null;
        return parsed;
    }
}
