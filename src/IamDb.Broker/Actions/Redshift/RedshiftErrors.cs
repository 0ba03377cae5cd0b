using IamDb.Aws.Errors;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>Redshift's error codes (redshift.service-2.json) and how cluster failures map onto them.</summary>
internal static class RedshiftErrors
{
    public const string ClusterNotFoundCode = "ClusterNotFound";
    public const string ClusterAlreadyExistsCode = "ClusterAlreadyExists";
    public const string InvalidClusterStateCode = "InvalidClusterState";
    public const string UnsupportedOperationCode = "UnsupportedOperation";
    public const string CredentialNotFoundCode = "CredentialNotFound";

    /// <summary><c>ClusterNotFound</c> 404 with AWS's text <c>Cluster ID not found.</c></summary>
    public static AwsError ClusterNotFound(string identifier) => new(ClusterNotFoundCode, $"Cluster {identifier} not found.", 404);

    /// <summary><c>ClusterAlreadyExists</c> 400.</summary>
    public static AwsError ClusterAlreadyExists(string identifier) =>
        new(ClusterAlreadyExistsCode, $"Cluster {identifier} already exists. Deregister it first, or choose another ClusterIdentifier.", 400);

    /// <summary><c>InvalidParameterValue</c> 400 about <paramref name="parameter"/>.</summary>
    public static AwsError InvalidParameter(string parameter, string message) =>
        new(AwsErrorCodes.InvalidParameterValue, $"Invalid value for parameter {parameter}: {message}", 400);

    /// <summary><c>InvalidParameterCombination</c> 400.</summary>
    public static AwsError InvalidCombination(string message) => new(AwsErrorCodes.InvalidParameterCombination, message, 400);

    /// <summary><c>UnsupportedOperation</c> 400.</summary>
    public static AwsError Unsupported(string message) => new(UnsupportedOperationCode, message, 400);

    /// <summary>
    /// Maps a failed cluster operation to the error a caller can act on. Missing users, groups and databases, and refused
    /// ones (a privileged user, a role that is not a group, a scope the cluster cannot enforce) are the caller's parameters
    /// (<c>InvalidParameterValue</c>); an unreachable server is temporary (<c>ServiceUnavailable</c> 503, which SDKs retry);
    /// a refused admin login or missing privilege is the cluster's configuration (<c>InvalidClusterState</c> 400). A TLS
    /// failure is the caller's settings (<c>InvalidParameterValue</c>) when <paramref name="settingsGiven"/>
    /// (RegisterCluster, UpdateCluster), otherwise the cluster's state. The exception's message is safe by contract (no
    /// password); it is included.
    /// </summary>
    public static AwsError FromCluster(
        ClusterOperationException exception, RedshiftCluster cluster, string? dbUser = null, string? groupsFromTag = null, bool settingsGiven = false)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(cluster);
        var id = cluster.ClusterIdentifier;
        var subject = exception.Subject;
        return exception.Failure switch
        {
            ClusterFailure.BaseUserMissing => InvalidParameter(
                "DbUser",
                $"database user {subject ?? dbUser} does not exist on cluster {id}; create it on the cluster (CREATE USER ... PASSWORD DISABLE), "
                + "or set AutoCreate=true to have it created without a password"),
            ClusterFailure.GroupMissing when groupsFromTag is not null => new AwsError(
                AwsErrorCodes.InvalidParameterValue,
                $"Database group {subject}, named in the principal tag {groupsFromTag}, does not exist on cluster {id}; create it on the "
                + "cluster or remove it from the tag.",
                400),
            ClusterFailure.GroupMissing => InvalidParameter(
                "DbGroups", $"database group {subject} does not exist on cluster {id}; create it on the cluster or leave it out of DbGroups"),
            ClusterFailure.DatabaseMissing => InvalidParameter(
                "DbName", $"database {subject} does not exist on cluster {id}; use one of the cluster's databases"),
            ClusterFailure.InvalidName => new AwsError(AwsErrorCodes.InvalidParameterValue, exception.Message, 400),
            ClusterFailure.NotADatabaseGroup when groupsFromTag is not null => new AwsError(
                AwsErrorCodes.InvalidParameterValue,
                $"Database group {subject}, named in the principal tag {groupsFromTag}, is refused by cluster {id}: {exception.Message} "
                + "Remove it from the tag.",
                400),
            ClusterFailure.NotADatabaseGroup => InvalidParameter("DbGroups", $"cluster {id} refuses the group: {exception.Message}"),
            ClusterFailure.PrivilegedDbUser => InvalidParameter("DbUser", $"cluster {id} refuses the user: {exception.Message}"),
            ClusterFailure.DatabaseNotPrepared => InvalidParameter("DbName", $"cluster {id} cannot scope a credential to it: {exception.Message}"),
            ClusterFailure.DatabaseScopeNotEnforceable => InvalidParameter(
                "DbName", $"cluster {id} cannot scope the credential: {exception.Message.Replace("<cluster>", id, StringComparison.Ordinal)}"),
            ClusterFailure.Unreachable => new AwsError(
                AwsErrorCodes.ServiceUnavailable,
                $"Cluster {id} ({cluster.Host}:{cluster.Port}) is unreachable: {exception.Message} Check that the server runs and accepts "
                + "connections from the broker, then retry.",
                503),
            ClusterFailure.AdminLoginRefused => new AwsError(
                InvalidClusterStateCode,
                $"Cluster {id} refused the admin login of {cluster.AdminUser}: {exception.Message} Re-register the cluster with the right "
                + "admin user and password.",
                400),
            ClusterFailure.TlsFailed => new AwsError(
                settingsGiven ? AwsErrorCodes.InvalidParameterValue : InvalidClusterStateCode,
                $"Cluster {id} ({cluster.Host}:{cluster.Port}, SslMode {cluster.SslMode}): {exception.Message}"
                + (settingsGiven ? " Nothing was changed." : " Fix it with iamdb clusters update (UpdateCluster)."),
                400),
            ClusterFailure.InsufficientPrivilege => new AwsError(
                InvalidClusterStateCode,
                $"The admin user {cluster.AdminUser} of cluster {id} lacks a privilege IamDb needs: {exception.Message}",
                400),
            _ => new AwsError(AwsErrorCodes.InternalFailure, $"Cluster {id} failed the operation: {exception.Message}", 500),
        };
    }
}
