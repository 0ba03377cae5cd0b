using System.Text.RegularExpressions;

namespace IamDb.Aws.Query;

/// <summary>
/// Model constraints on a string parameter (<c>min</c>, <c>max</c>, <c>pattern</c> in botocore's shapes), checked by
/// <see cref="QueryParameterReader"/>. Build once and reuse: the pattern is compiled in the constructor.
/// </summary>
internal sealed class StringConstraints
{
    private readonly Regex? _regex;

    /// <summary>Creates constraints; <paramref name="pattern"/> must match the whole value.</summary>
    /// <param name="minLength">Shortest allowed length in UTF-16 characters.</param>
    /// <param name="maxLength">Longest allowed length in UTF-16 characters.</param>
    /// <param name="pattern">A .NET regular expression as the model writes it, without anchors, or null.</param>
    /// <param name="sensitive">True for secrets (passwords, tokens): error messages then never echo the value.</param>
    public StringConstraints(int minLength = 0, int maxLength = int.MaxValue, string? pattern = null, bool sensitive = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, minLength);
        MinLength = minLength;
        MaxLength = maxLength;
        Pattern = pattern;
        Sensitive = sensitive;
        if (pattern is not null)
        {
            // Non-backtracking: the input is hostile and the pattern must not make matching expensive.
            _regex = new Regex($"^(?:{ToAsciiClasses(pattern)})\\z", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
    }

    /// <summary>Only a sensitivity marker: any length, any content, never echoed.</summary>
    public static StringConstraints SensitiveValue { get; } = new(sensitive: true);

    /// <summary>Shortest allowed length.</summary>
    public int MinLength { get; }

    /// <summary>Longest allowed length.</summary>
    public int MaxLength { get; }

    /// <summary>The pattern as given (shown in IAM-style messages), or null.</summary>
    public string? Pattern { get; }

    /// <summary>True when messages must not echo the value.</summary>
    public bool Sensitive { get; }

    internal bool MatchesPattern(string value) => _regex is null || _regex.IsMatch(value);

    /// <summary>
    /// AWS's models are Java regular expressions, where <c>\w</c> and <c>\d</c> are ASCII-only; in .NET they also
    /// match non-ASCII letters and digits. Rewrites them to explicit ASCII ranges so <c>Jürgen</c> fails
    /// <c>[\w+=,.@-]+</c> here as it does at AWS.
    /// </summary>
    internal static string ToAsciiClasses(string pattern)
    {
        var sb = new System.Text.StringBuilder(pattern.Length + 16);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                var range = next switch
                {
                    'w' => "a-zA-Z0-9_",
                    'd' => "0-9",
                    _ => null,
                };
                if (range is null)
                {
                    sb.Append(c).Append(next);
                }
                else
                {
                    sb.Append(inClass ? range : $"[{range}]");
                }

                continue;
            }

            if (c == '[' && !inClass)
            {
                inClass = true;
            }
            else if (c == ']' && inClass)
            {
                inClass = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
