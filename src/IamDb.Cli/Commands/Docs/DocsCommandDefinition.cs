using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Docs;

/// <summary>
/// <c>iamdb docs --markdown</c> (hidden): the CLI reference generated from the command definitions, so
/// <c>docs/cli-reference.md</c> cannot drift from what the command accepts (a test compares them).
/// </summary>
internal static class DocsCommandDefinition
{
    public const string Name = "docs";

    public static readonly Option<bool> MarkdownOption = new("--markdown")
    {
        Description = "Print the reference as Markdown (the only format).",
    };

    public static Command Create()
    {
        var command = new Command(Name, "Print the CLI reference generated from the command definitions: iamdb docs --markdown > docs/cli-reference.md")
        {
            Hidden = true,
        };
        command.Options.Add(MarkdownOption);
        command.SetAction(CommandRunner.Action((parseResult, context, _) =>
        {
            var root = parseResult.RootCommandResult.Command;
            context.Output.Write(CliReference.Markdown(root));
            context.Output.Flush();
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
