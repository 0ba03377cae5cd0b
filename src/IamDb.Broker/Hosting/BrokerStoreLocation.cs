using IamDb.Broker.State;
using IamDb.Broker.State.Sql;

namespace IamDb.Broker.Hosting;

/// <summary>Reads which state store a broker's options name, for <see cref="StateStoreFactory"/>.</summary>
internal static class BrokerStoreLocation
{
    /// <summary>The PostgreSQL database of a postgres store, else <c>state.db</c> in <paramref name="dataDirectory"/>.</summary>
    public static StateStoreLocation From(BrokerOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Store == StoreKind.Postgres
            ? new StateStoreLocation.Postgres(options.PostgresConnectionString!)
            : new StateStoreLocation.Sqlite(Path.Combine(Path.GetFullPath(dataDirectory), DataDirectory.StateFileName));
    }
}
