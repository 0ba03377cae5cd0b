using System.CommandLine;

namespace IamDb.Cli.Commands.Clusters.Update;

/// <summary><c>iamdb clusters update</c>.</summary>
internal static class ClustersUpdateCommandDefinition
{
    public const string Name = "update";

    public static readonly Option<string> AdminPasswordEnvOption = new("--admin-password-env")
    {
        Description = "Name of the environment variable holding the admin's new password (after changing it on the server); the connection is tested with it before it is stored.",
    };

    public static Command Create() => ClustersCommandDefinition.Sub(
        Name,
        "Change a registered cluster's security settings or its stored admin password in place. A change to the admin "
            + "connection (TLS settings, password) is tested with the new values first; when that fails nothing changes.\n\n"
            + "Examples:\n  iamdb clusters update analytics --ssl-root-cert ca.pem --ssl-mode verify-full\n"
            + "  iamdb clusters update analytics --allowed-db-groups analysts 'team_*'\n"
            + "  PGADMIN_PASSWORD=... iamdb clusters update analytics --admin-password-env PGADMIN_PASSWORD",
        ClustersUpdateCommand.ExecuteAsync, ClustersCommandDefinition.NameArgument, ClusterSecuritySettings.SslModeOption, ClusterSecuritySettings.SslRootCertOption, ClusterSecuritySettings.NoSslRootCertOption, ClusterSecuritySettings.AllowedDbGroupsOption,
        ClusterSecuritySettings.AllowPrivilegedDbUsersOption, AdminPasswordEnvOption);
}
