using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.GetClusterCredentials;

/// <summary><c>iamdb get-cluster-credentials</c>, with the aws CLI's option names.</summary>
internal static class GetClusterCredentialsCommandDefinition
{
    public const string Name = "get-cluster-credentials";

    public static readonly Option<string?> ClusterIdentifierOption = new("--cluster-identifier")
    {
        Description = "Cluster identifier (default: the --env environment's).",
    };

    public static readonly Option<string?> DbUserOption = new("--db-user")
    {
        Description = "Database user (default: the --env environment's).",
    };

    public static readonly Option<string?> DbNameOption = new("--db-name")
    {
        Description = "Database the credentials are limited to.",
    };

    public static readonly Option<int?> DurationSecondsOption = new("--duration-seconds")
    {
        Description = "Lifetime in seconds, 900 to 3600 (default 900).",
    };

    public static readonly Option<bool> AutoCreateOption = new("--auto-create")
    {
        Description = "Create the database user if it does not exist.",
    };

    public static readonly Option<bool> NoAutoCreateOption = new("--no-auto-create")
    {
        Description = "Do not create the database user (overrides the environment).",
    };

    public static readonly Option<string[]> DbGroupsOption = new("--db-groups")
    {
        Description = "Database groups to join for the session (several: --db-groups a b).",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Get temporary database credentials (Redshift's GetClusterCredentials) from the broker or AWS and print them "
            + "as the aws CLI does: {\"DbUser\", \"Expiration\", \"DbPassword\"}. The password is a secret: pipe it, do not log it.\n\n"
            + "Examples:\n"
            + "  iamdb get-cluster-credentials --cluster-identifier local --db-user adam --db-name dev\n"
            + "  iamdb get-cluster-credentials --env staging\n"
            + "  iamdb get-cluster-credentials --env staging --duration-seconds 3600 --db-groups readers\n"
            + "  iamdb --endpoint-url http://127.0.0.1:5600 get-cluster-credentials --cluster-identifier local --db-user etl --auto-create\n\n"
            + "Exit code 3 when policy refuses the request (AccessDenied).");
        command.Options.Add(ClusterIdentifierOption);
        command.Options.Add(DbUserOption);
        command.Options.Add(DbNameOption);
        command.Options.Add(DurationSecondsOption);
        command.Options.Add(AutoCreateOption);
        command.Options.Add(NoAutoCreateOption);
        command.Options.Add(DbGroupsOption);
        command.SetAction(CommandRunner.Action(GetClusterCredentialsCommand.ExecuteAsync));
        return command;
    }
}
