using System.CommandLine;
using IamDb.Cli.Commands.SelfCheck;

namespace IamDb.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = CreateRootCommand();
        return await root.Parse(args).InvokeAsync();
    }

    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "iamdb — temporary database credentials through IAM policies, for PostgreSQL fleets and Amazon Redshift.\n\n"
            + "Exit codes: 0 ok, 1 failure, 2 usage error, 3 access denied.");
        root.Subcommands.Add(SelfCheckCommandDefinition.Create());
        return root;
    }
}
