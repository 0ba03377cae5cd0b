using System.CommandLine;
using IamDb.Cli.Commands.Audit;
using IamDb.Cli.Commands.SelfCheck;
using IamDb.Cli.Commands.Server;
using IamDb.Cli.Commands.Up;

namespace IamDb.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = CreateRootCommand();
        // The broker drains in-flight requests on Ctrl-C; give it longer than the default two seconds.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }

    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "iamdb — temporary database credentials through IAM policies, for PostgreSQL fleets and Amazon Redshift.\n\n"
            + "Exit codes: 0 ok, 1 failure, 2 usage error, 3 access denied.");
        root.Subcommands.Add(SelfCheckCommandDefinition.Create());
        root.Subcommands.Add(UpCommandDefinition.Create());
        root.Subcommands.Add(ServerCommandDefinition.Create());
        root.Subcommands.Add(AuditCommandDefinition.Create());
        return root;
    }
}
