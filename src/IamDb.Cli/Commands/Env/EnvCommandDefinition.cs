using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Env;

/// <summary><c>iamdb env add|list|remove</c>: saved environments in the user's config file.</summary>
internal static class EnvCommandDefinition
{
    public const string Name = "env";

    public static readonly Argument<string> NameArgument = new("NAME")
    {
        Description = "Environment name (letters, digits, - and _; at most 64).",
    };

    public static readonly Option<string> ClusterOption = new("--cluster")
    {
        Description = "Cluster identifier.",
        Required = true,
    };

    public static readonly Option<string?> DbNameOption = new("--db-name")
    {
        Description = "Database to connect to (credentials are limited to it).",
    };

    public static readonly Option<string> DbUserOption = new("--db-user")
    {
        Description = "Database user to obtain credentials for.",
        Required = true,
    };

    public static readonly Option<string[]> DbGroupsOption = new("--db-groups")
    {
        Description = "Database groups to join for the session (several: --db-groups a b, or repeat the option).",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> AutoCreateOption = new("--auto-create")
    {
        Description = "Create the database user if it does not exist.",
    };

    public static readonly Option<int?> DurationOption = new("--duration")
    {
        Description = "Credential lifetime in seconds, 900 to 3600 (default 900).",
    };

    public static readonly Option<bool> ReplaceOption = new("--replace")
    {
        Description = "Replace an environment of the same name instead of refusing.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Saved environments: where the broker (or AWS) is and which cluster, database and database user to use. "
            + "`--env NAME` selects one for any command.\n\n"
            + "They live in $IAMDB_CONFIG, else $XDG_CONFIG_HOME/iamdb/config.toml, else ~/.config/iamdb/config.toml.\n\n"
            + "Examples:\n"
            + "  iamdb env add local --endpoint-url http://127.0.0.1:5600 --cluster local --db-name dev --db-user adam\n"
            + "  iamdb env add prod --region eu-west-1 --cluster analytics --db-name warehouse --db-user adam --db-groups readers --profile prod\n"
            + "  iamdb env list\n"
            + "  iamdb env remove local");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRemove());
        return command;
    }

    private static Command CreateAdd()
    {
        var command = new Command(
            "add",
            "Save an environment. Give the broker with --endpoint-url, or real AWS with --region (and --profile for its credentials).\n\n"
            + "Examples:\n"
            + "  iamdb env add local --endpoint-url http://127.0.0.1:5600 --cluster local --db-name dev --db-user adam\n"
            + "  iamdb env add prod --region eu-west-1 --cluster analytics --db-name warehouse --db-user adam --db-groups readers --auto-create --duration 3600 --profile prod\n\n"
            + "A name that exists already is refused unless --replace is given.");
        command.Arguments.Add(NameArgument);
        command.Options.Add(ClusterOption);
        command.Options.Add(DbNameOption);
        command.Options.Add(DbUserOption);
        command.Options.Add(DbGroupsOption);
        command.Options.Add(AutoCreateOption);
        command.Options.Add(DurationOption);
        command.Options.Add(ReplaceOption);
        command.SetAction(CommandRunner.Action(EnvCommands.AddAsync));
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List saved environments.\n\nExamples:\n  iamdb env list\n  iamdb env list --output json");
        command.SetAction(CommandRunner.Action(EnvCommands.ListAsync));
        return command;
    }

    private static Command CreateRemove()
    {
        var command = new Command("remove", "Remove a saved environment.\n\nExample:\n  iamdb env remove staging");
        command.Arguments.Add(NameArgument);
        command.SetAction(CommandRunner.Action(EnvCommands.RemoveAsync));
        return command;
    }
}
