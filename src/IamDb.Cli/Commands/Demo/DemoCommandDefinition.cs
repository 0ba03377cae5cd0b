using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Demo;

/// <summary><c>iamdb demo</c>: the whole story once, end to end, in a temporary directory.</summary>
internal static class DemoCommandDefinition
{
    public const string Name = "demo";

    public static readonly Option<bool> KeepOption = new("--keep")
    {
        Description = "Do not delete the temporary directory at the end (for a look at the state and server logs).",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Run IamDb's main job once, end to end, explaining each step: in a temporary directory, start a throwaway "
            + "PostgreSQL and the broker, register the server as cluster clusterA, create database dbA and user adam with "
            + "his password disabled, create the IAM policy, group, user adam and his access key, fetch temporary "
            + "credentials as adam (printed as the aws CLI prints them), connect with them and run a query, print the "
            + "JDBC URL, show a request the policy denies and why, list the audit trail, and clean up.\n\n"
            + "Examples:\n"
            + "  iamdb demo\n"
            + "  iamdb demo --keep\n\n"
            + "Needs PostgreSQL's server binaries (Debian: apt-get install postgresql; ./iamdb installs them when missing). "
            + "Exits 0 only when every step did what it should.");
        command.Options.Add(KeepOption);
        command.SetAction(CommandRunner.Action(DemoCommand.ExecuteAsync));
        return command;
    }
}
