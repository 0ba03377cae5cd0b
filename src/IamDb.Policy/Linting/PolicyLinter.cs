using IamDb.Policy.Model;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Linting;

/// <summary>
/// Finds policies that are valid but probably wrong: overly broad credential grants, unknown actions and keys,
/// statements that can never match, and risky constructs. Rules are listed with their codes in
/// <c>docs/policy-lint.md</c>.
/// </summary>
public static class PolicyLinter
{
    /// <summary>Lints a parsed document.</summary>
    /// <param name="document">A document that passed <see cref="PolicyParser.Parse"/>.</param>
    /// <param name="kind">Where the policy is used (some rules apply only to resource or trust policies).</param>
    /// <returns>The findings, statement by statement in document order.</returns>
    public static IReadOnlyList<LintFinding> Lint(PolicyDocument document, PolicyKind kind)
    {
        ArgumentNullException.ThrowIfNull(document);
        var findings = new List<LintFinding>();
        if (document.Id is not null && PolicyKindRules.ProhibitsPrincipal(kind))
        {
            findings.Add(new LintFinding(LintSeverity.Info, LintCodes.IdInIdentityPolicy,
                "`Id` belongs in resource-based policies; identity policies should not carry it", "Id"));
        }

        for (var i = 0; i < document.Statements.Count; i++)
        {
            var context = new StatementContext(document, kind, document.Statements[i], PolicyPath.Statement(i), findings);
            StatementRules.Apply(context);
            ActionRules.Apply(context);
            ConditionRules.Apply(context);
        }

        return findings;
    }
}

/// <summary>What a rule needs to judge one statement, and where it reports.</summary>
internal sealed record StatementContext(
    PolicyDocument Document, PolicyKind Kind, PolicyStatement Statement, string Path, List<LintFinding> Findings)
{
    public void Report(LintSeverity severity, string code, string message, string path) =>
        Findings.Add(new LintFinding(severity, code, message, path));

    /// <summary>The path of value <paramref name="index"/> of an element, as the parser reports it (no index for a lone value).</summary>
    public string ValuePath(string element, int index, int count) =>
        count == 1 ? PolicyPath.Child(Path, element) : PolicyPath.Item(PolicyPath.Child(Path, element), index);

    public string ActionElementName => Statement.Action.IsNot ? "NotAction" : "Action";

    public string ResourceElementName => Statement.Resource?.IsNot == true ? "NotResource" : "Resource";

    /// <summary>True when the statement's Action/NotAction covers <paramref name="action"/>.</summary>
    public bool CoversAction(string action)
    {
        var any = Statement.Action.Values.Any(p => WildcardPattern.Matches(p, action, ignoreCase: true));
        return Statement.Action.IsNot ? !any : any;
    }
}
