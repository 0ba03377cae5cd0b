using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Policy.Lint;

/// <summary>Where a linted policy is used; decides which elements are allowed and which limits apply.</summary>
internal enum PolicyFileKind
{
    /// <summary>A managed identity policy.</summary>
    Identity,

    /// <summary>An inline policy of a user.</summary>
    InlineUser,

    /// <summary>An inline policy of a group.</summary>
    InlineGroup,

    /// <summary>An inline policy of a role.</summary>
    InlineRole,

    /// <summary>A role's trust policy.</summary>
    Trust,

    /// <summary>A resource-based policy.</summary>
    Resource,

    /// <summary>A session policy.</summary>
    Session,

    /// <summary>A permissions boundary.</summary>
    Boundary,

    /// <summary>An account guardrail (SCP).</summary>
    Guardrail,
}

/// <summary><c>iamdb policy lint FILE</c>.</summary>
internal static class PolicyLintCommandDefinition
{
    public const string Name = "lint";

    public static readonly Argument<string> FileArgument = new("FILE")
    {
        Description = "The policy document (JSON); - reads stdin.",
    };

    public static readonly Option<PolicyFileKind> KindOption = new("--kind")
    {
        Description = "What the policy is for: identity (default), inline-user, inline-group, inline-role, trust, resource, session, boundary, guardrail.",
        DefaultValueFactory = _ => PolicyFileKind.Identity,
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

    private static PolicyFileKind ParseKind(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (Enum.TryParse<PolicyFileKind>(text.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var kind)
            && !int.TryParse(text, out _))
        {
            return kind;
        }

        result.AddError($"'{text}' is not a policy kind; use one of identity, inline-user, inline-group, inline-role, trust, resource, session, boundary, guardrail.");
        return default;
    }
}
