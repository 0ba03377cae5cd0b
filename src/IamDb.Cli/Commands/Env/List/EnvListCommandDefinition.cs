using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Env.List;

/// <summary><c>iamdb env list</c>.</summary>
internal static class EnvListCommandDefinition
{
    public const string Name = "list";

    public static Command Create()
    {
        var command = new Command(Name, "List saved environments.\n\nExamples:\n  iamdb env list\n  iamdb env list --output json");
        command.SetAction(CommandRunner.Action(EnvListCommand.ExecuteAsync));
        return command;
    }
}
