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
}

internal sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
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
}
