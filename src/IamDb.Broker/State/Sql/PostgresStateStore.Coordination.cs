using System.Data;
using Npgsql;

namespace IamDb.Broker.State.Sql;

/// <summary>The PostgreSQL store's part in coordinating nodes: the exclusive write and the connection a listener uses.</summary>
internal sealed partial class PostgresStateStore
{
    /// <summary>
    /// READ COMMITTED under the migration lock: each statement after the lock sees what an earlier holder committed
    /// (a SERIALIZABLE snapshot could be taken before the lock was granted and miss it).
    /// </summary>
    protected override async Task<UnitOfWork> BeginExclusiveAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            var session = new SqlSession(connection, transaction, Dialect, Protector);
            await session.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", MigrationLockKey));
            return new UnitOfWork(connection, transaction, session, null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection of the store's own for a long-lived <c>LISTEN</c>; the caller disposes it.</summary>
    internal ValueTask<NpgsqlConnection> OpenListenerConnectionAsync(CancellationToken cancellationToken) =>
        _dataSource.OpenConnectionAsync(cancellationToken);
}
