using System.Net.Sockets;
using Npgsql;

namespace IamDb.Postgres.Credentials;

/// <summary>Turns Npgsql's exceptions into <see cref="ClusterOperationException"/>s whose messages never carry a password.</summary>
internal static class ClusterErrors
{
    /// <summary>A failure while opening an admin connection.</summary>
    public static ClusterOperationException OnOpen(Exception e, ClusterEndpoint endpoint, string database) => e switch
    {
        ClusterOperationException c => c,
        _ when TlsProblem(e, endpoint) is { } tls => tls,
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } pe =>
            new ClusterOperationException(
                ClusterFailure.AdminLoginRefused,
                $"The cluster at {endpoint.Host}:{endpoint.Port} refused the admin login as \"{SqlText.Printable(endpoint.AdminUser)}\": {pe.MessageText}",
                e)
            { Subject = endpoint.AdminUser },
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } pe =>
            new ClusterOperationException(
                ClusterFailure.AdminLoginRefused,
                $"The admin cannot connect to database \"{SqlText.Printable(database)}\" at {endpoint.Host}:{endpoint.Port}: {pe.MessageText}",
                e)
            { Subject = database },
        PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections } pe =>
            new ClusterOperationException(ClusterFailure.Unreachable, $"The cluster at {endpoint.Host}:{endpoint.Port} is not accepting connections: {pe.MessageText}", e),
        PostgresException pe => OnCommand(pe, endpoint),
        _ => new ClusterOperationException(
            ClusterFailure.Unreachable,
            $"The cluster at {endpoint.Host}:{endpoint.Port} could not be reached: {Describe(e)}",
            e),
    };

    /// <summary>A failure while running a command.</summary>
    public static ClusterOperationException OnCommand(Exception e, ClusterEndpoint endpoint) => e switch
    {
        ClusterOperationException c => c,
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } pe =>
            new ClusterOperationException(
                ClusterFailure.InsufficientPrivilege,
                $"The admin \"{SqlText.Printable(endpoint.AdminUser)}\" of {endpoint.Host}:{endpoint.Port} lacks a privilege IamDb needs: {pe.MessageText}",
                e),
        PostgresException { SqlState: PostgresErrorCodes.ReservedName } pe =>
            new ClusterOperationException(ClusterFailure.InvalidName, pe.MessageText, e),
        PostgresException pe when IsServerGoingAway(pe.SqlState) =>
            new ClusterOperationException(
                ClusterFailure.Unreachable, $"The cluster at {endpoint.Host}:{endpoint.Port} ended the connection: {pe.MessageText} (SQLSTATE {pe.SqlState})", e),
        PostgresException pe =>
            new ClusterOperationException(
                ClusterFailure.ServerError, $"The cluster at {endpoint.Host}:{endpoint.Port} failed the operation: {pe.MessageText} (SQLSTATE {pe.SqlState})", e),
        NpgsqlException or SocketException or TimeoutException or IOException =>
            new ClusterOperationException(
                ClusterFailure.Unreachable, $"The connection to the cluster at {endpoint.Host}:{endpoint.Port} failed: {Describe(e)}", e),
        _ => new ClusterOperationException(ClusterFailure.ServerError, $"The operation on {endpoint.Host}:{endpoint.Port} failed: {e.GetType().Name}", e),
    };

    // The server shut down, crashed, is restarting, or the connection failed: temporary, not an answer to the statement.
    private static bool IsServerGoingAway(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;

    /// <summary>A refused or failed TLS set-up, said plainly; null when <paramref name="e"/> is about something else.</summary>
    private static ClusterOperationException? TlsProblem(Exception e, ClusterEndpoint endpoint)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is ServerCertificateRejectedException rejected)
            {
                return new ClusterOperationException(ClusterFailure.TlsFailed, rejected.Message, e);
            }

            if (x is System.Security.Authentication.AuthenticationException auth)
            {
                return new ClusterOperationException(
                    ClusterFailure.TlsFailed, $"The TLS handshake with {endpoint.Host}:{endpoint.Port} failed: {auth.Message}", e);
            }
        }

        // Npgsql's answer to a server that said "N" to SSLRequest (there is no error code to match on).
        if (e is NpgsqlException { InnerException: null } ne && ne.Message.Contains("No SSL enabled connection", StringComparison.OrdinalIgnoreCase))
        {
            return new ClusterOperationException(
                ClusterFailure.TlsFailed,
                $"The server at {endpoint.Host}:{endpoint.Port} does not offer TLS. IamDb never logs in to a cluster without it (the admin "
                + "password and every issued credential would cross the network readable); turn on ssl in the server's postgresql.conf.",
                e);
        }

        return null;
    }

    // The innermost socket or timeout message says what went wrong; Npgsql's own wrapper text adds nothing.
    private static string Describe(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException se)
            {
                return se.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "timed out",
                    _ => se.SocketErrorCode.ToString(),
                };
            }

            if (x is TimeoutException)
            {
                return "timed out";
            }
        }

        return e is NpgsqlException ? "the connection failed" : e.GetType().Name;
    }
}
