using System.CommandLine;
using IamDb.Cli.Output;
using IamDb.Policy.Parsing;

namespace IamDb.Cli.Commands.Policy.Lint;

/// <summary><c>iamdb policy lint FILE</c>.</summary>
internal static class PolicyLintCommandDefinition
{
    public const string Name = "lint";

    // The names --kind takes (case and dashes aside); "boundary" is the permissions boundary.
    private static readonly Dictionary<string, PolicyKind> KindNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["identity"] = PolicyKind.Identity,
        ["inlineuser"] = PolicyKind.InlineUser,
        ["inlinegroup"] = PolicyKind.InlineGroup,
        ["inlinerole"] = PolicyKind.InlineRole,
        ["trust"] = PolicyKind.Trust,
        ["resource"] = PolicyKind.Resource,
        ["session"] = PolicyKind.Session,
        ["boundary"] = PolicyKind.PermissionsBoundary,
        ["guardrail"] = PolicyKind.Guardrail,
    };

    public static readonly Argument<string> FileArgument = new("FILE")
    {
        Description = "The policy document (JSON); - reads stdin.",
    };

    public static readonly Option<PolicyKind> KindOption = new("--kind")
    {
        Description = "What the policy is for: identity (default), inline-user, inline-group, inline-role, trust, resource, session, boundary, guardrail.",
        DefaultValueFactory = _ => PolicyKind.Identity,
        CustomParser = result => ParseKind(result.Tokens.Single().Value, result),
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Check an IAM policy document: IAM's own validation errors (what AWS would refuse, with its wording) and "
            + "lint findings (valid but probably wrong: credentials on every resource, unknown actions or keys, statements "
            + "that never apply; see docs/policy-lint.md). Each finding names its line and column.\n\n"
            + "Examples:\n"
            + "  iamdb policy lint policy.json\n"
            + "  iamdb policy lint --kind trust trust.json\n"
            + "  iamdb policy lint policy.json --output json\n\n"
            + "Exits 1 when the policy is invalid or has an error-severity finding, 0 otherwise (warnings included).");
        command.Arguments.Add(FileArgument);
        command.Options.Add(KindOption);
        command.SetAction(CommandRunner.Action(PolicyLintCommand.ExecuteAsync));
        return command;
    }

    private static PolicyKind ParseKind(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (KindNames.TryGetValue(text.Replace("-", string.Empty, StringComparison.Ordinal), out var kind))
        {
            return kind;
        }

        result.AddError($"'{text}' is not a policy kind; use one of identity, inline-user, inline-group, inline-role, trust, resource, session, boundary, guardrail.");
        return default;
    }
}
