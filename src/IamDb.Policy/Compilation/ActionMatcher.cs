using IamDb.Policy.Model;

namespace IamDb.Policy.Compilation;

/// <summary>
/// An Action / NotAction element: case-insensitive patterns with <c>*</c> and <c>?</c>, stored upper-case with
/// wildcards encoded. The service prefixes it can match are precomputed for the per-service statement index.
/// </summary>
internal sealed class ActionMatcher
{
    private readonly string[] _patterns;
    private readonly bool _matchesAll;

    public ActionMatcher(ActionElement element)
    {
        IsNot = element.IsNot;
        _patterns = [.. element.Values.Select(v => PatternTemplate.Compile(v.Trim(), variables: false, wildcards: true).Encoded!.ToUpperInvariant())];
        _matchesAll = _patterns.Any(p => p == Wildcard.Star.ToString());

        // NotAction, or a wildcard in a service prefix, can apply to any service.
        var services = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pattern in _patterns)
        {
            var colon = pattern.IndexOf(':');
            if (IsNot || colon < 0 || Wildcard.HasWildcard(pattern.AsSpan(0, colon)))
            {
                services = null;
                break;
            }

            services.Add(pattern[..colon]);
        }

        Services = services;
    }

    public bool IsNot { get; }

    /// <summary>The service prefixes this element can match, or null when it can match any service.</summary>
    public IReadOnlySet<string>? Services { get; }

    public bool Matches(string action)
    {
        var any = _matchesAll;
        for (var i = 0; !any && i < _patterns.Length; i++)
        {
            any = Wildcard.Match(_patterns[i], action, upperInput: true);
        }

        return any != IsNot;
    }
}
