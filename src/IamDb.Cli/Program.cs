using System.CommandLine;
using IamDb.Cli.Commands.AccessReview;
using IamDb.Cli.Commands.Audit;
using IamDb.Cli.Commands.Backup;
using IamDb.Cli.Commands.Clusters;
using IamDb.Cli.Commands.Connect;
using IamDb.Cli.Commands.Demo;
using IamDb.Cli.Commands.Docs;
using IamDb.Cli.Commands.Env;
using IamDb.Cli.Commands.GetClusterCredentials;
using IamDb.Cli.Commands.Login;
using IamDb.Cli.Commands.Logout;
using IamDb.Cli.Commands.Policy;
using IamDb.Cli.Commands.Restore;
using IamDb.Cli.Commands.Revoke;
using IamDb.Cli.Commands.RotateMasterKey;
using IamDb.Cli.Commands.SelfCheck;
using IamDb.Cli.Commands.Server;
using IamDb.Cli.Commands.Up;
using IamDb.Cli.Commands.Url;
using IamDb.Cli.Output;

namespace IamDb.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // First, before anything that takes time: a SIGTERM at any moment from here on stops a command gracefully. The
        // broker drains in-flight requests on it; give it longer than System.CommandLine's default two seconds.
        using var signals = new TerminationSignals(TimeSpan.FromSeconds(30));
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            return CommandRunner.ReportParseErrors(parseResult, Console.Error);
        }

        return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, signals.Token);
    }

    internal static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "iamdb — temporary database credentials through IAM policies, for PostgreSQL fleets and Amazon Redshift.\n\n"
            + "Exit codes: 0 ok, 1 failure, 2 usage error, 3 access denied.");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        // Order of the help and the generated reference: try it, run it, use it, manage it.
        root.Subcommands.Add(DemoCommandDefinition.Create());
        root.Subcommands.Add(SelfCheckCommandDefinition.Create());
        root.Subcommands.Add(UpCommandDefinition.Create());
        root.Subcommands.Add(ServerCommandDefinition.Create());
        root.Subcommands.Add(EnvCommandDefinition.Create());
        root.Subcommands.Add(ConnectCommandDefinition.Create());
        root.Subcommands.Add(UrlCommandDefinition.Create());
        root.Subcommands.Add(LoginCommandDefinition.Create());
        root.Subcommands.Add(LogoutCommandDefinition.Create());
        root.Subcommands.Add(GetClusterCredentialsCommandDefinition.Create());
        root.Subcommands.Add(ClustersCommandDefinition.Create());
        root.Subcommands.Add(RevokeCommandDefinition.Create());
        root.Subcommands.Add(AuditCommandDefinition.Create());
        root.Subcommands.Add(BackupCommandDefinition.Create());
        root.Subcommands.Add(RestoreCommandDefinition.Create());
        root.Subcommands.Add(RotateMasterKeyCommandDefinition.Create());
        root.Subcommands.Add(PolicyCommandDefinition.Create());
        root.Subcommands.Add(AccessReviewCommandDefinition.Create());
        root.Subcommands.Add(DocsCommandDefinition.Create());
        return root;
    }
}
