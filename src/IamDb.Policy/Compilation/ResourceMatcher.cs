using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Compilation;

/// <summary>
/// A Resource / NotResource element: case-sensitive patterns in which <c>*</c> crosses <c>/</c> and <c>:</c>
/// (a trailing <c>*</c> expands beyond colon boundaries), with policy variables resolved per request.
/// A pattern with an unresolved variable matches nothing.
/// </summary>
internal sealed class ResourceMatcher
{
    private readonly PatternTemplate[] _patterns;
    private readonly bool _matchesAll;

    public ResourceMatcher(ResourceElement element, bool variables)
    {
        IsNot = element.IsNot;
        _patterns = [.. element.Values.Select(v => PatternTemplate.Compile(v.Trim(), variables, wildcards: true))];
        _matchesAll = _patterns.Any(p => p.Encoded == Wildcard.Star.ToString());
    }

    public bool IsNot { get; }

    /// <summary>The resource patterns, for explain's missing-key report.</summary>
    public IReadOnlyList<PatternTemplate> Patterns => _patterns;

    public bool Matches(in EvaluationScope scope)
    {
        var any = _matchesAll;
        for (var i = 0; !any && i < _patterns.Length; i++)
        {
            any = MatchesPattern(_patterns[i], in scope);
        }

        return any != IsNot;
    }

    private static bool MatchesPattern(PatternTemplate pattern, in EvaluationScope scope)
    {
        if (pattern.Encoded is { } encoded)
        {
            return Wildcard.Match(encoded, scope.Resource);
        }

        if (!pattern.TryMeasure(in scope, out var length))
        {
            return false;
        }

        Span<char> buffer = length <= PatternTemplate.StackLimit ? stackalloc char[length] : new char[length];
        pattern.Write(in scope, buffer);
        return Wildcard.Match(buffer, scope.Resource);
    }
}
