using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Env.Remove;

/// <summary><c>iamdb env remove</c>.</summary>
internal static class EnvRemoveCommandDefinition
{
    public const string Name = "remove";

    public static Command Create()
    {
        var command = new Command(Name, "Remove a saved environment.\n\nExample:\n  iamdb env remove staging");
        command.Arguments.Add(EnvCommandDefinition.NameArgument);
        command.SetAction(CommandRunner.Action(EnvRemoveCommand.ExecuteAsync));
        return command;
    }
}
