using System.Text;
using IamDb.Policy.Evaluation;

namespace IamDb.Policy.Compilation;

/// <summary>
/// A Resource or String/Arn condition value with its policy variables (<c>${aws:username}</c>,
/// <c>${aws:PrincipalTag/team, 'default'}</c>, escapes <c>${*}</c> <c>${?}</c> <c>${$}</c>) parsed once. Without
/// variables it is just its encoded text. Substituted values are literal: a <c>*</c> in a user name is not a wildcard.
/// </summary>
internal sealed class PatternTemplate
{
    /// <summary>Resolved values up to this length go on the stack.</summary>
    public const int StackLimit = 512;

    private readonly Part[] _parts;

    private PatternTemplate(string source, string? encoded, Part[] parts)
    {
        Source = source;
        Encoded = encoded;
        _parts = parts;
    }

    /// <summary>The text as written in the policy.</summary>
    public string Source { get; }

    /// <summary>The encoded pattern when the value has no variables (wildcards as sentinels); otherwise null.</summary>
    public string? Encoded { get; }

    /// <summary>The keys of the variables in this template, for explain's missing-key report.</summary>
    public IEnumerable<ConditionKey> VariableKeys => _parts.Where(p => p.Key is not null).Select(p => p.Key!);

    /// <summary>Parses a value. <paramref name="variables"/>: the policy version recognises variables;
    /// <paramref name="wildcards"/>: <c>*</c> and <c>?</c> in the literal text are wildcards.</summary>
    public static PatternTemplate Compile(string text, bool variables, bool wildcards)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var close = -1;
            if (variables && text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                close = text.IndexOf('}', i + 2);
            }

            if (close < 0)
            {
                literal.Append(Encode(text[i], wildcards));
                i++;
                continue;
            }

            var inner = text.AsSpan(i + 2, close - i - 2).Trim();
            if (inner is "*" or "?" or "$")
            {
                // ${*} ${?} ${$}: the character itself, never a wildcard.
                literal.Append(inner[0]);
            }
            else
            {
                if (literal.Length > 0)
                {
                    parts.Add(new Part(literal.ToString(), null, null));
                    literal.Clear();
                }

                parts.Add(ParseVariable(inner));
            }

            i = close + 1;
        }

        if (parts.Count == 0)
        {
            return new PatternTemplate(text, literal.ToString(), []);
        }

        if (literal.Length > 0)
        {
            parts.Add(new Part(literal.ToString(), null, null));
        }

        return new PatternTemplate(text, null, [.. parts]);
    }

    /// <summary>Measures the resolved value; false when a variable has no single value and no default (then the
    /// value matches nothing) or a substituted value contains a wildcard sentinel.</summary>
    public bool TryMeasure(in EvaluationScope scope, out int length)
    {
        length = 0;
        foreach (var part in _parts)
        {
            if (part.Literal is not null)
            {
                length += part.Literal.Length;
                continue;
            }

            if (!TryValue(part, in scope, out var value))
            {
                return false;
            }

            length += value.Length;
        }

        return true;
    }

    /// <summary>Writes the resolved value; call after <see cref="TryMeasure"/> succeeded with a buffer of that length.</summary>
    public void Write(in EvaluationScope scope, Span<char> destination)
    {
        var at = 0;
        foreach (var part in _parts)
        {
            string value;
            if (part.Literal is not null)
            {
                value = part.Literal;
            }
            else
            {
                _ = TryValue(part, in scope, out value);
            }

            value.AsSpan().CopyTo(destination[at..]);
            at += value.Length;
        }
    }

    private static bool TryValue(in Part part, in EvaluationScope scope, out string value)
    {
        if (scope.TryGetSingleText(part.Key!, out value))
        {
            return !Wildcard.ContainsSentinel(value);
        }

        value = part.Default ?? string.Empty;
        return part.Default is not null;
    }

    private static char Encode(char c, bool wildcards) => (wildcards, c) switch
    {
        (true, '*') => Wildcard.Star,
        (true, '?') => Wildcard.One,
        _ => c,
    };

    private static Part ParseVariable(ReadOnlySpan<char> inner)
    {
        // ${key, 'default value'}
        var comma = inner.IndexOf(',');
        if (comma >= 0)
        {
            var rest = inner[(comma + 1)..].Trim();
            if (rest.Length >= 2 && rest[0] == '\'' && rest[^1] == '\'')
            {
                return new Part(null, ConditionKey.Parse(inner[..comma].Trim().ToString()), rest[1..^1].ToString());
            }
        }

        return new Part(null, ConditionKey.Parse(inner.ToString()), null);
    }

    private readonly record struct Part(string? Literal, ConditionKey? Key, string? Default);
}
