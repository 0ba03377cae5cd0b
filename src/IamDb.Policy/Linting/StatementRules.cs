using IamDb.Policy.Model;
using IamDb.Policy.Parsing;

namespace IamDb.Policy.Linting;

/// <summary>Rules about a statement's shape: Not-elements with Allow, public principals, actions that never apply.</summary>
internal static class StatementRules
{
    public static void Apply(StatementContext c)
    {
        var s = c.Statement;
        var allow = s.Effect == PolicyEffect.Allow;

        if (s.Action.IsNot && s.Action.Values.Contains("*"))
        {
            c.Report(LintSeverity.Error, LintCodes.NotActionEverything,
                "`NotAction` excludes `*`, every action, so this statement never applies", PolicyPath.Child(c.Path, "NotAction"));
        }
        else if (s.Action.IsNot && allow)
        {
            c.Report(LintSeverity.Warning, LintCodes.NotActionWithAllow,
                "`Allow` with `NotAction` grants every action not listed, including ones added to AWS later; list the allowed actions instead",
                PolicyPath.Child(c.Path, "NotAction"));
        }

        if (s.Resource is { IsNot: true } && allow)
        {
            c.Report(LintSeverity.Warning, LintCodes.NotResourceWithAllow,
                "`Allow` with `NotResource` grants every resource not listed, including future ones; list the allowed resources instead",
                PolicyPath.Child(c.Path, "NotResource"));
        }

        if (s.Principal is { } principal && allow)
        {
            if (principal.IsNot)
            {
                c.Report(LintSeverity.Warning, LintCodes.NotPrincipalWithAllow,
                    "`Allow` with `NotPrincipal` grants everyone but the listed principals, anonymous callers included",
                    PolicyPath.Child(c.Path, "NotPrincipal"));
            }
            else if (c.Kind is PolicyKind.Resource or PolicyKind.Trust && IsPublic(principal) && s.Conditions.Count == 0)
            {
                c.Report(LintSeverity.Error, LintCodes.PublicPrincipalWithoutCondition,
                    "`Principal` `*` with `Allow` and no `Condition` grants access to everyone, anonymous callers included",
                    PolicyPath.Child(c.Path, "Principal"));
            }
        }

        CheckResourceServices(c);
    }

    private static bool IsPublic(PrincipalElement principal) =>
        principal.IsWildcard || principal.Values.Any(p => p.Key == "AWS" && p.Value.Contains("*"));

    /// <summary>A statement whose every resource belongs to a service none of its actions act on can never apply.</summary>
    private static void CheckResourceServices(StatementContext c)
    {
        var s = c.Statement;
        if (s.Action.IsNot || s.Resource is not { IsNot: false } resource)
        {
            return;
        }

        var vendors = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var action in s.Action.Values)
        {
            var colon = action.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return; // `*`: every service.
            }

            vendors.Add(action[..colon]);
        }

        var services = new List<string>();
        foreach (var arn in resource.Values)
        {
            if (arn == "*")
            {
                return;
            }

            services.Add(arn.Split(':', 4)[2]);
        }

        if (services.Any(service => vendors.Any(vendor => ActsOn(vendor, service))))
        {
            return;
        }

        c.Report(LintSeverity.Error, LintCodes.ResourceServiceMismatch,
            $"no resource belongs to a service of the actions (`{string.Join("`, `", vendors)}`), so this statement never applies",
            PolicyPath.Child(c.Path, "Resource"));
    }

    /// <summary>Whether actions of <paramref name="vendor"/> can apply to ARNs of <paramref name="service"/>.</summary>
    private static bool ActsOn(string vendor, string service) =>
        string.Equals(vendor, service, StringComparison.OrdinalIgnoreCase)
        || (vendor.Equals("sts", StringComparison.OrdinalIgnoreCase) && service == "iam") // sts:AssumeRole acts on role ARNs.
        || (vendor.Equals("iamdb", StringComparison.OrdinalIgnoreCase) && service == "redshift"); // IamDb actions act on clusters.
}
