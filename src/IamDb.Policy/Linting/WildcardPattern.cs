using IamDb.Policy.Compilation;

namespace IamDb.Policy.Linting;

/// <summary>Glob matching on patterns as written (<c>*</c> and <c>?</c>), through the evaluator's matcher.</summary>
internal static class WildcardPattern
{
    public static bool HasWildcard(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    public static bool Matches(string pattern, string value, bool ignoreCase)
    {
        // Encode into the evaluator's form: wildcards as sentinels, upper-case when the comparison ignores case.
        var encoded = pattern.Length <= 256 ? stackalloc char[pattern.Length] : new char[pattern.Length];
        for (var i = 0; i < pattern.Length; i++)
        {
            encoded[i] = pattern[i] switch
            {
                '*' => Wildcard.Star,
                '?' => Wildcard.One,
                var c => ignoreCase ? char.ToUpperInvariant(c) : c,
            };
        }

        return Wildcard.Match(encoded, value, upperInput: ignoreCase);
    }
}
