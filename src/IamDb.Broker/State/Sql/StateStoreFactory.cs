using IamDb.Broker.Secrets;
using Npgsql;

namespace IamDb.Broker.State.Sql;

/// <summary>Where a state store lives: a SQLite file, or a PostgreSQL database several nodes share.</summary>
internal abstract record StateStoreLocation
{
    private StateStoreLocation()
    {
    }

    /// <summary>
    /// The embedded store: one SQLite file (normally <c>state.db</c> in the data directory); <paramref name="HeldExclusively"/>
    /// is the store's exclusive lock when the caller (restore, key rotation) has taken it.
    /// </summary>
    public sealed record Sqlite(string DatabasePath, SqliteStoreLock? HeldExclusively = null) : StateStoreLocation;

    /// <summary>The shared store: a PostgreSQL database named by a connection string.</summary>
    public sealed record Postgres(string ConnectionString) : StateStoreLocation;
}

/// <summary>
/// The one way to open a state store: every process that opens one (the broker, <c>iamdb audit</c>, backup, restore,
/// master key rotation) migrates it and checks the master key the same way.
/// </summary>
internal static class StateStoreFactory
{
    /// <summary>Opens (creating and migrating if needed) the store at <paramref name="location"/>.</summary>
    /// <exception cref="MasterKeyException">the store was created under another master key.</exception>
    public static async Task<SqlStateStore> OpenAsync(
        StateStoreLocation location,
        SecretProtector protector,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location switch
        {
            StateStoreLocation.Postgres postgres => await PostgresStateStore.OpenAsync(
                NpgsqlDataSource.Create(postgres.ConnectionString), protector, ownsDataSource: true, timeProvider, cancellationToken),
            StateStoreLocation.Sqlite sqlite => await SqliteStateStore.OpenAsync(
                sqlite.DatabasePath, protector, timeProvider, sqlite.HeldExclusively, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(location), location, "unknown state store location"),
        };
    }
}
