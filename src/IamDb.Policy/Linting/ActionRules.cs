namespace IamDb.Policy.Linting;

/// <summary>Rules about action names: unknown actions and wildcards that match nothing, for the services IamDb knows.</summary>
internal static class ActionRules
{
    public static void Apply(StatementContext c)
    {
        var values = c.Statement.Action.Values;
        for (var i = 0; i < values.Count; i++)
        {
            var action = values[i];
            var colon = action.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !ActionCatalog.IsKnownService(action[..colon]))
            {
                continue;
            }

            var path = c.ValuePath(c.ActionElementName, i, values.Count);
            if (!WildcardPattern.HasWildcard(action))
            {
                if (!ActionCatalog.Contains(action))
                {
                    c.Report(LintSeverity.Warning, LintCodes.UnknownAction, $"`{action}` is not a known action", path);
                }
            }
            else if (!ActionCatalog.MatchesAny(action))
            {
                c.Report(LintSeverity.Warning, LintCodes.WildcardMatchesNoAction, $"`{action}` matches no known action", path);
            }
        }

        ResourceRules.Apply(c);
    }
}
