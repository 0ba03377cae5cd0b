using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IamDb.Broker.State.Sql;

/// <summary>
/// What differs between the databases the store runs on. The SQL itself is shared (<c>@name</c>
/// parameters, <c>ON CONFLICT</c>, <c>LIMIT</c>, <c>RETURNING</c> work in both); only error classification
/// and the migration scripts differ.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>The folder of this dialect's migration scripts.</summary>
    public abstract string Name { get; }

    public abstract bool IsUniqueViolation(DbException exception);

    public abstract bool IsForeignKeyViolation(DbException exception);

    /// <summary>The transaction lost a race and may be re-run (serialization failure, deadlock, busy).</summary>
    public abstract bool IsRetryable(DbException exception);

    /// <summary>
    /// The store is unreachable or the connection broke (refused, reset, timed out, server shutting down or in recovery):
    /// not an answer to the statement, so the request gets <c>ServiceUnavailable</c> rather than an error about its content.
    /// </summary>
    public abstract bool IsUnavailable(Exception exception);
}

internal sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteCantOpen = 14;
    private const int ConstraintUnique = 2067;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintForeignKey = 787;

    public override string Name => "Sqlite";

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteExtendedErrorCode: ConstraintUnique or ConstraintPrimaryKey };

    public override bool IsForeignKeyViolation(DbException exception) =>
        exception is SqliteException { SqliteExtendedErrorCode: ConstraintForeignKey };

    public override bool IsRetryable(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    // The file cannot be opened or read/written (disk gone, permissions changed under a running broker).
    public override bool IsUnavailable(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteIoError or SqliteCantOpen };
}

internal sealed class PostgresDialect : SqlDialect
{
    public static PostgresDialect Instance { get; } = new();

    public override string Name => "Postgres";

    public override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override bool IsForeignKeyViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    public override bool IsRetryable(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    // Npgsql raises a bare NpgsqlException (not a PostgresException) for every I/O failure: refused, reset, timeout,
    // broken TLS. A server answer means unavailable only for SQLSTATE class 08 (connection) and the shutdown/start-up
    // states (57P01–57P03), plus too many connections.
    public override bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException pe => pe.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pe.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                or PostgresErrorCodes.TooManyConnections,
        NpgsqlException => true,
        _ => false,
    };
}
