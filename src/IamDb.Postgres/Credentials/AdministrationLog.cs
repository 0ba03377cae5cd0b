using Microsoft.Extensions.Logging;

namespace IamDb.Postgres.Credentials;

/// <summary>What the cluster administration logs: names, counts and endpoints, never a password or a verifier.</summary>
internal static partial class AdministrationLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Issued login role {LoginRole} for {BaseUser} on {Endpoint}, valid until {ExpiresAt:O}")]
    public static partial void Issued(ILogger logger, string loginRole, string baseUser, ClusterEndpoint endpoint, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepared database {Database} on {Endpoint}: connect role {ConnectRole}")]
    public static partial void Prepared(ILogger logger, string database, ClusterEndpoint endpoint, string connectRole);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped login role {LoginRole} on {Endpoint}")]
    public static partial void Dropped(ILogger logger, string loginRole, ClusterEndpoint endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Disabled the passwords of {Count} roles on {Endpoint}")]
    public static partial void PasswordsDisabled(ILogger logger, int count, ClusterEndpoint endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not undo a partial preparation on {Endpoint}: {Reason}")]
    public static partial void UndoFailed(ILogger logger, ClusterEndpoint endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped database {Database} on {Endpoint}: {Reason}")]
    public static partial void Skipped(ILogger logger, string database, ClusterEndpoint endpoint, string reason);
}
