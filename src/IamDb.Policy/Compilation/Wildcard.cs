namespace IamDb.Policy.Compilation;

/// <summary>
/// Glob matching for IAM patterns. Compiled patterns carry their wildcards as private-use sentinel characters, so a
/// literal <c>*</c> (written <c>${*}</c>, or substituted from a policy variable) is an ordinary character.
/// </summary>
internal static class Wildcard
{
    /// <summary>The sentinel for a wildcard <c>*</c>: any run of characters, including <c>/</c> and <c>:</c>.</summary>
    public const char Star = '\uE000';

    /// <summary>The sentinel for a wildcard <c>?</c>: exactly one character.</summary>
    public const char One = '\uE001';

    /// <summary>True when the text contains a sentinel (such text can never be substituted into a pattern safely).</summary>
    public static bool ContainsSentinel(ReadOnlySpan<char> text) => text.IndexOfAny(Star, One) >= 0;

    /// <summary>True when the pattern has a wildcard.</summary>
    public static bool HasWildcard(ReadOnlySpan<char> pattern) => pattern.IndexOfAny(Star, One) >= 0;

    /// <summary>
    /// Matches <paramref name="input"/> against an encoded <paramref name="pattern"/>. With <paramref name="upperInput"/>
    /// the pattern must already be upper-case and input characters are upper-cased as they are compared.
    /// Greedy with single-star backtracking: linear for the usual patterns, never allocates.
    /// </summary>
    public static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> input, bool upperInput = false)
    {
        int p = 0, i = 0, starP = -1, starI = 0;
        while (i < input.Length)
        {
            if (p < pattern.Length)
            {
                var pc = pattern[p];
                if (pc == Star)
                {
                    starP = p++;
                    starI = i;
                    continue;
                }

                var ic = upperInput ? char.ToUpperInvariant(input[i]) : input[i];
                if (pc == One || pc == ic)
                {
                    p++;
                    i++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            // Let the last star swallow one more character and retry from just after it.
            p = starP + 1;
            i = ++starI;
        }

        while (p < pattern.Length && pattern[p] == Star)
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// ArnLike / ArnEquals: the six colon-separated components (arn, partition, service, region, account, resource)
    /// are matched separately, so a wildcard never crosses a colon except inside the sixth (resource) component.
    /// </summary>
    public static bool MatchArn(ReadOnlySpan<char> pattern, ReadOnlySpan<char> input)
    {
        if (pattern.Length == 1 && pattern[0] == Star)
        {
            return true;
        }

        for (var component = 0; component < 5; component++)
        {
            var pc = pattern.IndexOf(':');
            var ic = input.IndexOf(':');
            if (pc < 0 || ic < 0)
            {
                // A pattern or value with fewer than six components is not an ARN: only a whole-value match counts.
                return pc < 0 && ic < 0 && Match(pattern, input);
            }

            if (!Match(pattern[..pc], input[..ic]))
            {
                return false;
            }

            pattern = pattern[(pc + 1)..];
            input = input[(ic + 1)..];
        }

        return Match(pattern, input);
    }
}
