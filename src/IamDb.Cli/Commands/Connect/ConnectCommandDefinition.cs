using System.CommandLine;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Connect;

/// <summary><c>iamdb connect NAME [-- psql args]</c>.</summary>
internal static class ConnectCommandDefinition
{
    public const string Name = "connect";

    public static readonly Argument<string> EnvironmentArgument = new("NAME")
    {
        Description = "The saved environment (see `iamdb env list`).",
    };

    public static readonly Argument<string[]> PsqlArgsArgument = new("PSQL_ARGS")
    {
        Description = "Arguments for psql, after `--` (e.g. -- -c 'select 1').",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Open psql on a saved environment as yourself: iamdb gets a temporary credential (from the cache when a valid "
            + "one is there) and runs psql with it in the environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, "
            + "PGSSLMODE) — never on the command line, where other users could read it. psql's exit code is iamdb's.\n\n"
            + "Examples:\n"
            + "  iamdb connect staging\n"
            + "  iamdb connect staging -- -c 'select current_user'\n"
            + "  iamdb connect prod --sslmode verify-full -- -f report.sql\n\n"
            + "psql missing? Debian/Ubuntu: sudo apt-get install postgresql-client");
        command.Arguments.Add(EnvironmentArgument);
        command.Arguments.Add(PsqlArgsArgument);
        command.Options.Add(EnvironmentLogin.SslModeOption);
        command.Options.Add(ClusterCertificates.SslRootCertOption);
        command.SetAction(CommandRunner.Action(ConnectCommand.ExecuteAsync));
        return command;
    }
}
