using IamDb.Policy.Compilation;

namespace IamDb.Policy.Evaluation;

/// <summary>Everything one evaluation reads: the principal, the action (with its service prefix located), the resource
/// and the context. Passed by reference; holds no per-request allocations.</summary>
internal readonly struct EvaluationScope
{
    public EvaluationScope(PrincipalInfo principal, string action, string resource, RequestContext context, bool principalHasBoundary)
    {
        Principal = principal;
        Action = action;
        Resource = resource;
        Context = context;
        PrincipalHasBoundary = principalHasBoundary;
        var colon = action.IndexOf(':');
        ServiceLength = colon < 0 ? action.Length : colon;
    }

    public PrincipalInfo Principal { get; }

    public string Action { get; }

    public string Resource { get; }

    public RequestContext Context { get; }

    /// <summary>True when the principal has a permissions boundary (the NotPrincipal + Deny quirk).</summary>
    public bool PrincipalHasBoundary { get; }

    /// <summary>Length of the action's service prefix (<c>redshift</c> in <c>redshift:GetClusterCredentials</c>).</summary>
    public int ServiceLength { get; }

    public ReadOnlySpan<char> Service => Action.AsSpan(0, ServiceLength);

    public bool TryGetEntry(ConditionKey key, out ContextEntry entry) => Context.TryGet(key, Principal, out entry);

    /// <summary>A policy variable's value: the key must have exactly one value and not be multivalued.</summary>
    public bool TryGetSingleText(ConditionKey key, out string value)
    {
        if (TryGetEntry(key, out var entry) && !entry.IsMultiValued && entry.Count == 1)
        {
            value = entry.GetText(0);
            return true;
        }

        value = string.Empty;
        return false;
    }
}
