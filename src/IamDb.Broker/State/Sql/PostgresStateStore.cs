using System.Data;
using IamDb.Broker.Secrets;
using Npgsql;

namespace IamDb.Broker.State.Sql;

/// <summary>
/// The shared store: several broker nodes may use one PostgreSQL database. Writes run SERIALIZABLE (so a
/// handler's check-then-write is safe across nodes) and are re-run on serialization failures; reads run in
/// a REPEATABLE READ snapshot. Migrations take an advisory lock so concurrent starts apply each once.
/// </summary>
internal sealed partial class PostgresStateStore : SqlStateStore
{
    // Any fixed 64-bit number; it names IamDb's migration lock in pg_locks.
    private const long MigrationLockKey = 0x1A4D_B0_5747_E001;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    private PostgresStateStore(NpgsqlDataSource dataSource, bool ownsDataSource, SecretProtector protector, TimeProvider time)
        : base(PostgresDialect.Instance, protector, time)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>
    /// Opens the store on <paramref name="dataSource"/>, migrates it and checks the master key; with
    /// <paramref name="ownsDataSource"/> the data source is disposed with the store.
    /// </summary>
    /// <exception cref="MasterKeyException">the database was created under another master key.</exception>
    public static async Task<PostgresStateStore> OpenAsync(
        NpgsqlDataSource dataSource,
        SecretProtector protector,
        bool ownsDataSource = false,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(protector);
        var time = timeProvider ?? TimeProvider.System;
        try
        {
            return await MigrateOrDisposeAsync(new PostgresStateStore(dataSource, ownsDataSource, protector, time), time, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            throw StoreLoginRefused(dataSource.ConnectionString, e);
        }
    }

    // Says it is the STATE STORE that refused (not a registered cluster), naming where and as whom, never the password.
    private static StateStoreLoginException StoreLoginRefused(string connectionString, PostgresException e)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        return new StateStoreLoginException(
            $"the broker's PostgreSQL state store at {target.Host}:{target.Port}/{target.Database} refused the login of `{target.Username}` "
            + $"({e.SqlState}: {e.MessageText}). This is the [store] of the config file, not a cluster: check store.connection_string's "
            + "Username and the password in the variable store.password_env names",
            e);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }

    protected override async Task<UnitOfWork> BeginAsync(bool write, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(
                write ? IsolationLevel.Serializable : IsolationLevel.RepeatableRead,
                cancellationToken);
            return new UnitOfWork(connection, transaction, new SqlSession(connection, transaction, Dialect, Protector), null);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override async Task MigrateAsync(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var session = new SqlSession(connection, transaction, Dialect, Protector);

        // Held until commit: a second broker starting now waits here, then sees the migrated schema.
        await session.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", MigrationLockKey));
        await SchemaMigrator.MigrateAsync(session, SchemaMigrator.Load(Dialect), timeProvider.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>The PostgreSQL state store refused the broker's login (wrong user or password).</summary>
internal sealed class StateStoreLoginException(string message, Exception inner) : Exception(message, inner);
