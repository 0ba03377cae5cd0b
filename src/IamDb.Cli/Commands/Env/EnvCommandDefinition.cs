using System.CommandLine;
using IamDb.Cli.Commands.Env.Add;
using IamDb.Cli.Commands.Env.List;
using IamDb.Cli.Commands.Env.Remove;

namespace IamDb.Cli.Commands.Env;

/// <summary><c>iamdb env add|list|remove</c>: saved environments in the user's config file.</summary>
internal static class EnvCommandDefinition
{
    public const string Name = "env";

    public static readonly Argument<string> NameArgument = new("NAME")
    {
        Description = "Environment name (letters, digits, - and _; at most 64).",
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
        command.Subcommands.Add(EnvAddCommandDefinition.Create());
        command.Subcommands.Add(EnvListCommandDefinition.Create());
        command.Subcommands.Add(EnvRemoveCommandDefinition.Create());
        return command;
    }
}
