using System.CommandLine;

namespace IamDb.Cli.Commands.Clusters.Add;

/// <summary><c>iamdb clusters add</c>.</summary>
internal static class ClustersAddCommandDefinition
{
    public const string Name = "add";

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

    public static readonly Option<string[]> TagOption = new("--tag")
    {
        Description = "A tag KEY=VALUE (repeat for several).",
    };

    public static Command Create() => ClustersCommandDefinition.Sub(
        Name,
        "Register a PostgreSQL server as a cluster. The broker logs in as the admin first and prepares it (a connect "
            + "role per database); nothing is stored when that fails. The admin password is read from the environment "
            + "variable named by --admin-password-env, so it never appears in argv, shell history or logs. The admin connection "
            + "is TLS only; a server whose certificate fails --ssl-mode is refused with the check that failed.\n\n"
            + "Examples:\n  PGADMIN_PASSWORD=... iamdb clusters add analytics --host db1.internal --database dev --admin-user iamdb_admin --admin-password-env PGADMIN_PASSWORD --ssl-root-cert ca.pem\n"
            + "  PGADMIN_PASSWORD=... iamdb clusters add analytics --host db1.internal --database dev --admin-user iamdb_admin --admin-password-env PGADMIN_PASSWORD --allowed-db-groups analysts 'team_*'",
        ClustersAddCommand.ExecuteAsync, ClustersCommandDefinition.NameArgument, HostOption, PortOption, DatabaseOption, AdminUserOption, AdminPasswordEnvOption, TagOption,
        ClusterSecuritySettings.SslModeOption, ClusterSecuritySettings.SslRootCertOption, ClusterSecuritySettings.AllowedDbGroupsOption, ClusterSecuritySettings.AllowPrivilegedDbUsersOption);
}
