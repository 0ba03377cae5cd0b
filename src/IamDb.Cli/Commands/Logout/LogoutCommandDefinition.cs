using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Logout;

/// <summary><c>iamdb logout NAME</c>.</summary>
internal static class LogoutCommandDefinition
{
    public const string Name = "logout";

    public static readonly Argument<string> EnvironmentArgument = new("NAME")
    {
        Description = "The environment whose login session to forget.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Forget the session `iamdb login` cached for an environment: `connect` and `url` ask you to log in again. "
            + "Database credentials already handed out stay valid until they expire (revoke them with `iamdb revoke`).\n\n"
            + "Example:\n"
            + "  iamdb logout sso");
        command.Arguments.Add(EnvironmentArgument);
        command.SetAction(CommandRunner.Action(LogoutCommand.ExecuteAsync));
        return command;
    }
}
