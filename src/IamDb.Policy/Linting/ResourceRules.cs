using IamDb.Policy.Model;

namespace IamDb.Policy.Linting;

/// <summary>Rules about resources: credential-issuing actions granted on every resource, and policy variables under an old Version.</summary>
internal static class ResourceRules
{
    // Probe names no real pattern spells out (U+0001 is outside the characters a policy may contain),
    // so only wildcards can match them: a pattern that matches a probe covers every cluster and user.
    private const string Probe = "\u0001probe\u0001";

    /// <summary>Actions that hand out credentials, and the resource (after the account) each is checked on.</summary>
    private static readonly (string Action, string Service, string Region, string ResourceProbe)[] CredentialActions =
    [
        ("redshift:GetClusterCredentials", "redshift", "us-east-1", $"dbuser:{Probe}/{Probe}"),
        ("redshift:GetClusterCredentialsWithIAM", "redshift", "us-east-1", $"dbname:{Probe}/{Probe}"),
        ("redshift:CreateClusterUser", "redshift", "us-east-1", $"dbuser:{Probe}/{Probe}"),
        ("redshift:JoinGroup", "redshift", "us-east-1", $"dbgroup:{Probe}/{Probe}"),
        ("sts:AssumeRole", "iam", "", $"role/{Probe}"),
    ];

    public static void Apply(StatementContext c)
    {
        CheckCredentialResources(c);
        CheckVariables(c);
    }

    private static void CheckCredentialResources(StatementContext c)
    {
        var s = c.Statement;
        if (s.Effect != PolicyEffect.Allow || s.Resource is not { IsNot: false } resource)
        {
            return;
        }

        var covered = CredentialActions.Where(a => c.CoversAction(a.Action)).ToList();
        if (covered.Count == 0)
        {
            return;
        }

        // One finding per resource value, naming every credential action it opens up.
        for (var i = 0; i < resource.Values.Count; i++)
        {
            var pattern = resource.Values[i];
            var actions = covered.Where(a => CoversEveryResource(pattern, a.Service, a.Region, a.ResourceProbe)).Select(a => a.Action).ToList();
            if (actions.Count > 0)
            {
                var what = pattern == "*" ? "`Resource` `*`" : $"`{pattern}`";
                var roles = actions.Count(a => a.StartsWith("sts:", StringComparison.Ordinal));
                var target = roles == actions.Count ? "role" : roles == 0 ? "cluster and database identity" : "cluster, database identity and role";
                c.Report(LintSeverity.Warning, LintCodes.CredentialActionOnEveryResource,
                    $"{what} lets `{string.Join("`, `", actions)}` issue credentials for every {target}; name the resources",
                    c.ValuePath("Resource", i, resource.Values.Count));
            }
        }
    }

    /// <summary>
    /// Builds a probe ARN that keeps the pattern's own literal partition, region and account (a pattern limited
    /// to one account still covers every cluster in it) and checks whether the pattern matches it.
    /// </summary>
    private static bool CoversEveryResource(string pattern, string service, string region, string resourceProbe)
    {
        if (pattern == "*")
        {
            return true;
        }

        var parts = pattern.Split(':', 6);
        string Literal(int index, string fallback) =>
            index < parts.Length && !WildcardPattern.HasWildcard(parts[index]) ? parts[index] : fallback;

        var probe = $"arn:{Literal(1, "aws")}:{service}:{Literal(3, region)}:{Literal(4, "123456789012")}:{resourceProbe}";
        return WildcardPattern.Matches(pattern, probe, ignoreCase: false);
    }

    private static void CheckVariables(StatementContext c)
    {
        if (c.Document.SupportsPolicyVariables || c.Statement.Resource is not { } resource)
        {
            return;
        }

        for (var i = 0; i < resource.Values.Count; i++)
        {
            if (resource.Values[i].Contains("${", StringComparison.Ordinal))
            {
                c.Report(LintSeverity.Warning, LintCodes.VariableWithoutVersion2012, VariableMessage(c.Document, resource.Values[i]),
                    c.ValuePath(c.ResourceElementName, i, resource.Values.Count));
            }
        }
    }

    internal static string VariableMessage(PolicyDocument document, string value) =>
        $"`{value}` is matched literally: policy variables need `\"Version\": \"2012-10-17\"` " +
        (document.Version is null ? "and this policy has no `Version`" : $"and this policy has `{document.Version}`");
}
