using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Clusters.AdminUrl;

/// <summary><c>iamdb clusters admin-url local --data-dir D</c>: the libpq URI of the local cluster's superuser.</summary>
internal static class AdminUrlCommandDefinition
{
    public static readonly Argument<string> NameArgument = new("NAME")
    {
        Description = "The cluster: only \"local\", the one iamdb up runs (a registered server has its own administrator).",
    };

    public static readonly Option<string?> DataDirOption = new("--data-dir")
    {
        Description = "The data directory iamdb up runs with. Default: ~/.local/share/iamdb.",
    };

    public static readonly Option<string> DatabaseOption = new("--database")
    {
        Description = "The database the URI connects to.",
        DefaultValueFactory = _ => "postgres",
    };

    public static Command Create()
    {
        var command = new Command(
            "admin-url",
            "Print a libpq URI for the superuser of the local cluster that iamdb up runs, to create databases and roles on it. "
            + "The URI holds no password: it names a password file (0600) and the server's CA in the data directory, so only "
            + "the user who owns the data directory can log in with it. TLS, verified against the local CA. Works while iamdb up runs.\n\n"
            + "Examples:\n"
            + "  psql \"$(iamdb clusters admin-url local)\" -c 'create database dba'\n"
            + "  psql \"$(iamdb clusters admin-url local --data-dir ./iamdb-data --database dba)\" -c 'create role app nologin'");
        command.Arguments.Add(NameArgument);
        command.Options.Add(DataDirOption);
        command.Options.Add(DatabaseOption);
        command.SetAction(CommandRunner.Action(AdminUrlCommand.RunAsync));
        return command;
    }
}
