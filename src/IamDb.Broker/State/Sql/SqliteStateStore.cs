using System.Data.Common;
using IamDb.Broker.Secrets;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.State.Sql;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed write
/// survives kill -9 and power loss. Writes take <c>BEGIN IMMEDIATE</c> (one writer at a time across
/// processes, waiting up to the busy timeout) and are also queued in-process to avoid lock spinning.
/// </summary>
internal sealed class SqliteStateStore : SqlStateStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private SqliteStateStore(string connectionString, SecretProtector protector)
        : base(SqliteDialect.Instance, protector)
    {
        _connectionString = connectionString;
    }

    /// <summary>How long a writer waits for another process's write lock.</summary>
    public static TimeSpan BusyTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Opens (creating if needed) the store at <paramref name="databasePath"/>, migrates it, and checks the master key.</summary>
    /// <exception cref="MasterKeyException">the file was created under another master key.</exception>
    public static async Task<SqliteStateStore> OpenAsync(
        string databasePath,
        SecretProtector protector,
        TimeProvider? timeProvider = null,
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

        var store = new SqliteStateStore(connectionString, protector);
        try
        {
            await store.MigrateAsync(timeProvider ?? TimeProvider.System, cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled handles keep the file open (and its WAL un-checkpointed) until cleared.
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
        return ValueTask.CompletedTask;
    }

    protected override async Task<UnitOfWork> BeginAsync(bool write, CancellationToken cancellationToken)
    {
        IDisposable? release = null;
        if (write)
        {
            await _writeGate.WaitAsync(cancellationToken);
            release = new GateRelease(_writeGate);
        }

        SqliteConnection? connection = null;
        try
        {
            connection = await OpenConnectionAsync(cancellationToken);
            var transaction = connection.BeginTransaction(deferred: !write);
            return new UnitOfWork(connection, transaction, new SqlSession(connection, transaction, Dialect, Protector), release);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            release?.Dispose();
            throw;
        }
    }

    private async Task MigrateAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
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
