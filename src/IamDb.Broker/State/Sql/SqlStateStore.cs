using System.Data.Common;
using IamDb.Broker.Secrets;

namespace IamDb.Broker.State.Sql;

/// <summary>
/// The unit-of-work frame shared by both databases: open a connection, begin the dialect's kind of
/// transaction, run the handler's delegate, commit or roll back, and re-run a write that lost a
/// serialization race (a bounded number of times, with jittered backoff). A store that cannot be reached, or a connection
/// that breaks, surfaces as <see cref="StoreUnavailableException"/> whatever the database.
/// </summary>
internal abstract partial class SqlStateStore(SqlDialect dialect, SecretProtector protector, TimeProvider time) : IStateStore
{
    /// <summary>How many times a write is attempted before <see cref="StateContentionException"/>.</summary>
    public const int MaxWriteAttempts = 8;

    protected SqlDialect Dialect { get; } = dialect;

    protected SecretProtector Protector { get; } = protector;

    /// <summary>How long a retried write waits; on the store's clock, with shared randomness unless a test swaps it.</summary>
    internal WriteRetryBackoff Backoff { get; set; } = new(time, Random.Shared);

    public async Task<T> ReadAsync<T>(Func<IStateReader, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await using var unit = await BeginAsync(write: false, cancellationToken);
            var result = await work(new SqlStateSession(unit.Session), cancellationToken);
            await unit.Transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch (Exception e) when (Dialect.IsUnavailable(e))
        {
            throw new StoreUnavailableException(e);
        }
    }

    public Task<T> WriteAsync<T>(Func<IStateWriter, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunWriteUnitAsync((session, ct) => work(new SqlStateSession(session), ct), cancellationToken);
    }

    /// <summary>
    /// Runs one handler's write unit. By default in its own transaction; a store may commit several callers' units
    /// together (SQLite's group commit), as long as each still commits whole or leaves nothing.
    /// </summary>
    protected virtual Task<T> RunWriteUnitAsync<T>(Func<SqlSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        RunWriteAsync(ct => BeginAsync(write: true, ct), work, cancellationToken);

    /// <summary>One write unit begun by <paramref name="begin"/>, committed, and re-run on a serialization failure.</summary>
    protected async Task<T> RunWriteAsync<T>(
        Func<CancellationToken, Task<UnitOfWork>> begin, Func<SqlSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var unit = await begin(cancellationToken);
                var result = await work(unit.Session, cancellationToken);
                await unit.Transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (Exception e) when (Dialect.IsUnavailable(e))
            {
                // Not re-run: a commit cut off on the way may have taken effect.
                throw new StoreUnavailableException(e);
            }
            catch (DbException e) when (Dialect.IsRetryable(e))
            {
                if (attempt >= MaxWriteAttempts)
                {
                    throw new StateContentionException(e);
                }

                await Backoff.WaitAsync(attempt, cancellationToken);
            }
        }
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction on the raw session, once (no retry), and commits only if it
    /// returns: for maintenance that must be all or nothing, such as re-encrypting every secret.
    /// </summary>
    internal async Task<T> RunInOneTransactionAsync<T>(Func<SqlSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var unit = await BeginAsync(write: true, cancellationToken);
        var result = await work(unit.Session, cancellationToken);
        await unit.Transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// Migrates a newly constructed <paramref name="store"/> and returns it, or disposes it and rethrows: a store that did
    /// not open (wrong master key, unreachable database) holds no connection, pool or file handle afterwards.
    /// </summary>
    protected static async Task<TStore> MigrateOrDisposeAsync<TStore>(TStore store, TimeProvider timeProvider, CancellationToken cancellationToken)
        where TStore : SqlStateStore
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            await store.MigrateAsync(timeProvider, cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Brings the schema up to date and checks the master key, in one exclusive transaction.</summary>
    protected abstract Task MigrateAsync(TimeProvider timeProvider, CancellationToken cancellationToken);

    /// <summary>Opens a connection and begins a read (snapshot) or write (serialized) transaction.</summary>
    protected abstract Task<UnitOfWork> BeginAsync(bool write, CancellationToken cancellationToken);

    /// <summary>
    /// An open transaction; disposing rolls back anything not committed and releases the connection (closing it unless
    /// <paramref name="keepConnection"/>: a long-lived connection the store reuses).
    /// </summary>
    protected sealed class UnitOfWork(DbConnection connection, DbTransaction transaction, SqlSession session, IDisposable? release, bool keepConnection = false) : IAsyncDisposable
    {
        public DbTransaction Transaction { get; } = transaction;

        public SqlSession Session { get; } = session;

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Transaction.DisposeAsync();
                if (!keepConnection)
                {
                    await connection.DisposeAsync();
                }
            }
            finally
            {
                release?.Dispose();
            }
        }
    }
}
