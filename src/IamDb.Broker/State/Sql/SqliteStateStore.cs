using System.Data.Common;
using IamDb.Broker.Secrets;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.State.Sql;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed write
/// survives kill -9 and power loss. Writes take <c>BEGIN IMMEDIATE</c> (one writer at a time across
/// processes, waiting up to the busy timeout) and are also queued in-process to avoid lock spinning. Because writes are
/// queued anyway, they share one long-lived connection whose PRAGMAs are set once: opening a pooled connection and
/// re-running PRAGMAs per transaction was a measurable part of every audit group commit. Handlers' writes that queue up
/// behind each other are committed together (see the group commit part).
/// </summary>
internal sealed partial class SqliteStateStore : SqlStateStore
{
    private readonly string _connectionString;
    private readonly SqliteStoreLock? _inUse;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // Guarded by _writeGate; opened on the first write and kept until the store is disposed.
    private SqliteConnection? _writer;

    private SqliteStateStore(string connectionString, SqliteStoreLock? inUse, SecretProtector protector, TimeProvider time)
        : base(SqliteDialect.Instance, protector, time)
    {
        _connectionString = connectionString;
        _inUse = inUse;
    }

    /// <summary>How long a writer waits for another process's write lock.</summary>
    public static TimeSpan BusyTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Opens (creating if needed) the store at <paramref name="databasePath"/>, migrates it, and checks the master key. A
    /// caller that holds <paramref name="heldExclusively"/> (the store's exclusive lock) opens it under that lock.
    /// </summary>
    /// <exception cref="MasterKeyException">the file was created under another master key.</exception>
    /// <exception cref="StateStoreBusyException">a restore or master key rotation is working on the file.</exception>
    public static async Task<SqliteStateStore> OpenAsync(
        string databasePath,
        SecretProtector protector,
        TimeProvider? timeProvider = null,
        SqliteStoreLock? heldExclusively = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protector);
        DataDirectory.CreatePrivateFile(databasePath);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();

        // A caller that holds the store exclusively (restore, key rotation) keeps its lock; everyone else shares one.
        var time = timeProvider ?? TimeProvider.System;
        var inUse = heldExclusively is null ? SqliteStoreLock.AcquireShared(databasePath) : null;
        return await MigrateOrDisposeAsync(new SqliteStateStore(connectionString, inUse, protector, time), time, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _writeGate.WaitAsync();
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _writeGate.Release();
        }

        // Pooled handles keep the file open (and its WAL un-checkpointed) until cleared.
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
        _inUse?.Dispose();
    }

    protected override async Task<UnitOfWork> BeginAsync(bool write, CancellationToken cancellationToken)
    {
        if (write)
        {
            await _writeGate.WaitAsync(cancellationToken);
            try
            {
                return await BeginUnderGateAsync(new GateRelease(_writeGate), cancellationToken);
            }
            catch
            {
                _writeGate.Release();
                throw;
            }
        }

        SqliteConnection? connection = null;
        try
        {
            connection = await OpenConnectionAsync(cancellationToken);
            var transaction = connection.BeginTransaction(deferred: true);
            return new UnitOfWork(connection, transaction, new SqlSession(connection, transaction, Dialect, Protector), null);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Begins a write transaction on the shared writer connection; the caller holds <see cref="_writeGate"/>.</summary>
    private async Task<UnitOfWork> BeginUnderGateAsync(IDisposable? release, CancellationToken cancellationToken)
    {
        _writer ??= await OpenConnectionAsync(cancellationToken);
        var transaction = BeginWriteTransaction(_writer);
        return new UnitOfWork(_writer, transaction, new SqlSession(_writer, transaction, Dialect, Protector), release, keepConnection: true);
    }

    // A writer connection that cannot begin (busy beyond the timeout, or in a bad state) is replaced on the next write.
    private SqliteTransaction BeginWriteTransaction(SqliteConnection writer)
    {
        try
        {
            return writer.BeginTransaction(deferred: false);
        }
        catch
        {
            writer.Dispose();
            _writer = null;
            throw;
        }
    }

    protected override async Task MigrateAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = connection.BeginTransaction(deferred: false);
        var session = new SqlSession(connection, transaction, Dialect, Protector);
        await SchemaMigrator.MigrateAsync(session, SchemaMigrator.Load(Dialect), timeProvider.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = $"PRAGMA synchronous=FULL; PRAGMA busy_timeout={(int)BusyTimeout.TotalMilliseconds};";
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class GateRelease(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
