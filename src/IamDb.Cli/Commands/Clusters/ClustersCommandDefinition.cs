using System.CommandLine;
using IamDb.Cli.Commands.Clusters.Add;
using IamDb.Cli.Commands.Clusters.DisablePasswords;
using IamDb.Cli.Commands.Clusters.List;
using IamDb.Cli.Commands.Clusters.Remove;
using IamDb.Cli.Commands.Clusters.Test;
using IamDb.Cli.Commands.Clusters.Update;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Clusters;

/// <summary><c>iamdb clusters add|update|list|test|remove|disable-passwords|admin-url</c>: the broker's registered PostgreSQL clusters.</summary>
internal static class ClustersCommandDefinition
{
    public const string Name = "clusters";

    public static readonly Argument<string> NameArgument = new("NAME")
    {
        Description = "Cluster identifier (letters, digits and hyphens; first a letter).",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "The PostgreSQL servers (\"clusters\") the broker issues credentials for: register, update, list, test, deregister, "
            + "and disable password logins so that temporary credentials are the only way in.\n\n"
            + "Examples:\n"
            + "  PGADMIN_PASSWORD=... iamdb clusters add analytics --host db1.internal --port 5432 --database dev --admin-user iamdb_admin --admin-password-env PGADMIN_PASSWORD\n"
            + "  iamdb clusters list\n"
            + "  iamdb clusters update analytics --ssl-root-cert ca.pem --ssl-mode verify-full\n"
            + "  iamdb clusters test analytics\n"
            + "  iamdb clusters disable-passwords analytics --dry-run\n"
            + "  iamdb clusters remove analytics\n"
            + "  psql \"$(iamdb clusters admin-url local)\" -c 'create database dba'");
        command.Subcommands.Add(ClustersAddCommandDefinition.Create());
        command.Subcommands.Add(ClustersUpdateCommandDefinition.Create());
        command.Subcommands.Add(ClustersListCommandDefinition.Create());
        command.Subcommands.Add(ClustersTestCommandDefinition.Create());
        command.Subcommands.Add(ClustersRemoveCommandDefinition.Create());
        command.Subcommands.Add(ClustersDisablePasswordsCommandDefinition.Create());
        command.Subcommands.Add(AdminUrl.AdminUrlCommandDefinition.Create());
        return command;
    }

    /// <summary>Builds one verb: its arguments and options in help order, and its handler.</summary>
    internal static Command Sub(string name, string description, Func<ParseResult, CliContext, CancellationToken, Task<int>> handler, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction(CommandRunner.Action(handler));
        return command;
    }
}
