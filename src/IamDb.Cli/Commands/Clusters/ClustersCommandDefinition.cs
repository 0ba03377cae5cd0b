using System.CommandLine;
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

    public static readonly Option<string> HostOption = new("--host")
    {
        Description = "Host name or address of the PostgreSQL server.",
        Required = true,
    };

    public static readonly Option<int> PortOption = new("--port")
    {
        Description = "Port of the PostgreSQL server (default 5432).",
        DefaultValueFactory = _ => 5432,
    };

    public static readonly Option<string> DatabaseOption = new("--database")
    {
        Description = "The cluster's default database.",
        Required = true,
    };

    public static readonly Option<string> AdminUserOption = new("--admin-user")
    {
        Description = "A role with CREATEROLE (or superuser) that the broker uses to issue credentials.",
        Required = true,
    };

    public static readonly Option<string> AdminPasswordEnvOption = new("--admin-password-env")
    {
        Description = "Name of the environment variable holding the admin password (never pass a password on the command line).",
        Required = true,
    };

    public static readonly Option<string> AdminPasswordEnvUpdateOption = new("--admin-password-env")
    {
        Description = "Name of the environment variable holding the admin's new password (after changing it on the server); the connection is tested with it before it is stored.",
    };

    public static readonly Option<string> SslModeOption = new("--ssl-mode")
    {
        Description = "How the broker verifies the server's TLS certificate: require (encrypted, not verified; the default for "
            + "127.0.0.0/8, ::1 and localhost), verify-ca (chains to a trusted root), verify-full (and names the host; the default otherwise).",
        HelpName = "MODE",
    };

    public static readonly Option<FileInfo> SslRootCertOption = new("--ssl-root-cert")
    {
        Description = "PEM file with the CA certificate(s) the server's certificate must chain to (stored with the cluster; "
            + "only these are trusted for it). Without it, the machine's trusted roots are used.",
        HelpName = "FILE",
    };

    public static readonly Option<bool> NoSslRootCertOption = new("--no-ssl-root-cert")
    {
        Description = "Remove the stored root certificate (verify against the machine's trusted roots again).",
    };

    public static readonly Option<string[]> AllowedDbGroupsOption = new("--allowed-db-groups")
    {
        Description = "The only database groups credentials may join on this cluster: names or patterns with * and ? (quote them: 'team_*'). "
            + "Default: every group that passes IamDb's rules. With update, the option alone (no names) removes the restriction.",
        AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "GROUP",
    };

    public static readonly Option<bool> AllowPrivilegedDbUsersOption = new("--allow-privileged-db-users")
    {
        Description = "Allow credentials for privileged database users (superusers, roles with CREATEROLE, CREATEDB, REPLICATION or "
            + "BYPASSRLS, the admin). Default: refused. With update: --allow-privileged-db-users false turns it off again.",
    };

    public static readonly Option<string[]> TagOption = new("--tag")
    {
        Description = "A tag KEY=VALUE (repeat for several).",
    };

    public static readonly Option<string[]> UserOption = new("--user")
    {
        Description = "Only these database users (repeat, or several after one --user). Default: every ordinary user.",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> DryRunOption = new("--dry-run")
    {
        Description = "Show what would change without changing it.",
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
        command.Subcommands.Add(Sub("add",
            "Register a PostgreSQL server as a cluster. The broker logs in as the admin first and prepares it (a connect "
            + "role per database); nothing is stored when that fails. The admin password is read from the environment "
            + "variable named by --admin-password-env, so it never appears in argv, shell history or logs. The admin connection "
            + "is TLS only; a server whose certificate fails --ssl-mode is refused with the check that failed.\n\n"
            + "Examples:\n  PGADMIN_PASSWORD=... iamdb clusters add analytics --host db1.internal --database dev --admin-user iamdb_admin --admin-password-env PGADMIN_PASSWORD --ssl-root-cert ca.pem\n"
            + "  PGADMIN_PASSWORD=... iamdb clusters add analytics --host db1.internal --database dev --admin-user iamdb_admin --admin-password-env PGADMIN_PASSWORD --allowed-db-groups analysts 'team_*'",
            ClustersCommands.AddAsync, NameArgument, HostOption, PortOption, DatabaseOption, AdminUserOption, AdminPasswordEnvOption, TagOption,
            SslModeOption, SslRootCertOption, AllowedDbGroupsOption, AllowPrivilegedDbUsersOption));
        command.Subcommands.Add(Sub("update",
            "Change a registered cluster's security settings or its stored admin password in place. A change to the admin "
            + "connection (TLS settings, password) is tested with the new values first; when that fails nothing changes.\n\n"
            + "Examples:\n  iamdb clusters update analytics --ssl-root-cert ca.pem --ssl-mode verify-full\n"
            + "  iamdb clusters update analytics --allowed-db-groups analysts 'team_*'\n"
            + "  PGADMIN_PASSWORD=... iamdb clusters update analytics --admin-password-env PGADMIN_PASSWORD",
            ClustersCommands.UpdateAsync, NameArgument, SslModeOption, SslRootCertOption, NoSslRootCertOption, AllowedDbGroupsOption,
            AllowPrivilegedDbUsersOption, AdminPasswordEnvUpdateOption));
        command.Subcommands.Add(Sub("list", "List registered clusters.\n\nExamples:\n  iamdb clusters list\n  iamdb clusters list --output json", ClustersCommands.ListAsync));
        command.Subcommands.Add(Sub("test",
            "Connect to a cluster as its admin and report the server version, databases, and the users that can still log in with a password.\n\nExample:\n  iamdb clusters test analytics",
            ClustersCommands.TestAsync, NameArgument));
        command.Subcommands.Add(Sub("remove",
            "Deregister a cluster: its live credentials are revoked first (sessions ended, login roles dropped). The server is otherwise unchanged.\n\nExample:\n  iamdb clusters remove analytics",
            ClustersCommands.RemoveAsync, NameArgument));
        command.Subcommands.Add(Sub("disable-passwords",
            "Remove password login from ordinary database users (superusers and the admin are refused), so temporary credentials are the only way in.\n\n"
            + "Examples:\n  iamdb clusters disable-passwords analytics --dry-run\n  iamdb clusters disable-passwords analytics --user adam --user eve",
            ClustersCommands.DisablePasswordsAsync, NameArgument, UserOption, DryRunOption));
        command.Subcommands.Add(AdminUrl.AdminUrlCommandDefinition.Create());
        return command;
    }

    private static Command Sub(string name, string description, Func<ParseResult, CliContext, CancellationToken, Task<int>> handler, params Symbol[] symbols)
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
