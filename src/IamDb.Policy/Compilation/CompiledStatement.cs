using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Compilation;

/// <summary>One statement, compiled. Matching is checked cheapest first: action, resource, principal, conditions.</summary>
internal sealed class CompiledStatement
{
    public CompiledStatement(
        CompiledPolicy policy,
        int index,
        PolicyStatement source,
        ActionMatcher action,
        ResourceMatcher? resource,
        PrincipalMatcher? principal,
        CompiledCondition[] conditions,
        string? error)
    {
        Policy = policy;
        Index = index;
        Source = source;
        Action = action;
        Resource = resource;
        Principal = principal;
        Conditions = conditions;
        Error = error;
    }

    public CompiledPolicy Policy { get; }

    /// <summary>Zero-based position in the document.</summary>
    public int Index { get; }

    public PolicyStatement Source { get; }

    public PolicyEffect Effect => Source.Effect;

    public string? Sid => Source.Sid;

    public ActionMatcher Action { get; }

    /// <summary>Null when the statement has no Resource element (trust policies): it applies to any resource.</summary>
    public ResourceMatcher? Resource { get; }

    /// <summary>Null in identity-side policies, which carry no Principal.</summary>
    public PrincipalMatcher? Principal { get; }

    public CompiledCondition[] Conditions { get; }

    /// <summary>Why the statement could not be compiled; such a statement is skipped and reported.</summary>
    public string? Error { get; }

    /// <summary>Whether the statement applies to the request, and how it names the principal.
    /// Statements without a Principal element return <see cref="PrincipalMatch.Direct"/> when they apply.</summary>
    public PrincipalMatch Match(in EvaluationScope scope)
    {
        if (!Action.Matches(scope.Action) || (Resource is not null && !Resource.Matches(in scope)))
        {
            return PrincipalMatch.None;
        }

        var principal = Principal?.Match(in scope, Effect) ?? PrincipalMatch.Direct;
        if (principal == PrincipalMatch.None)
        {
            return PrincipalMatch.None;
        }

        foreach (var condition in Conditions)
        {
            if (!condition.Evaluate(in scope))
            {
                return PrincipalMatch.None;
            }
        }

        return principal;
    }

    /// <summary>Like <see cref="Match"/> but evaluates every condition of a statement whose action, resource and
    /// principal apply, collecting the context keys it found missing.</summary>
    public PrincipalMatch MatchExplained(in EvaluationScope scope, ICollection<string> missingKeys)
    {
        if (!Action.Matches(scope.Action))
        {
            return PrincipalMatch.None;
        }

        if (Resource is not null)
        {
            foreach (var key in Resource.Patterns.SelectMany(p => p.VariableKeys))
            {
                if (!scope.TryGetEntry(key, out _))
                {
                    missingKeys.Add(key.Name);
                }
            }

            if (!Resource.Matches(in scope))
            {
                return PrincipalMatch.None;
            }
        }

        var principal = Principal?.Match(in scope, Effect) ?? PrincipalMatch.Direct;
        if (principal == PrincipalMatch.None)
        {
            return PrincipalMatch.None;
        }

        var all = true;
        foreach (var condition in Conditions)
        {
            all &= condition.Evaluate(in scope, out var missing);
            if (missing)
            {
                missingKeys.Add(condition.Key.Name);
            }

            foreach (var key in condition.VariableKeys)
            {
                if (!scope.TryGetEntry(key, out _))
                {
                    missingKeys.Add(key.Name);
                }
            }
        }

        return all ? principal : PrincipalMatch.None;
    }
}
