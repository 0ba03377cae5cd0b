namespace IamDb.Policy.Linting;

/// <summary>How much a lint finding matters.</summary>
public enum LintSeverity
{
    /// <summary>Worth knowing; the policy works as written.</summary>
    Info,

    /// <summary>Probably not what the author meant, or broader than needed.</summary>
    Warning,

    /// <summary>Certainly wrong: a statement that can never apply, or access open to everyone.</summary>
    Error,
}

/// <summary>One lint finding. Codes are stable and documented in <c>docs/policy-lint.md</c>.</summary>
/// <param name="Severity">How much it matters.</param>
/// <param name="Code">The stable rule code, such as <c>IAMDB-L001</c>.</param>
/// <param name="Message">What is wrong, lowercase, with policy text in backticks.</param>
/// <param name="Path">The JSON path of the element concerned, such as <c>Statement[0].Resource</c>.</param>
public sealed record LintFinding(LintSeverity Severity, string Code, string Message, string Path);
