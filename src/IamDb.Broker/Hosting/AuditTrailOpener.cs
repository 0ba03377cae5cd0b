using IamDb.Broker.Audit;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using Npgsql;

namespace IamDb.Broker.Hosting;

/// <summary>Opens the audit trail of a broker's state store, as its options name it, for reading without a running broker.</summary>
public static class AuditTrailOpener
{
    /// <summary>Opens the store that <paramref name="options"/> name, without creating anything.</summary>
    /// <exception cref="AuditTrailException">there is no state there, or the master key does not open it.</exception>
    public static async Task<AuditTrail> OpenAsync(BrokerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = Path.GetFullPath(options.DataDirectory);
        if (options.Store == StoreKind.Sqlite && !File.Exists(Path.Combine(directory, DataDirectory.StateFileName)))
        {
            throw new AuditTrailException(
                $"there is no IamDb state in {directory} (no {DataDirectory.StateFileName}); give the broker's --data-dir or --config, "
                + $"or start one there first: iamdb up --data-dir {directory}");
        }

        if (options.Store == StoreKind.Postgres && string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            throw new AuditTrailException("the configuration names a postgres store without a connection_string");
        }

        try
        {
            var masterKey = options.MasterKey is { } configured ? MasterKey.Parse(configured, "configuration") : LoadExistingMasterKey(directory);
            var protector = new SecretProtector(masterKey);
            IStateStore store = await StateStoreFactory.OpenAsync(BrokerStoreLocation.From(options, directory), protector, cancellationToken: cancellationToken);
            return new AuditTrail(store);
        }
        catch (MasterKeyException ex)
        {
            throw new AuditTrailException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new AuditTrailException($"the state store could not be opened: {ex.Message}", ex);
        }
    }

    // Like MasterKey.Load, but a reader never creates a key: a missing key means the wrong directory or a missing
    // IAMDB_MASTER_KEY, and a new key would only fail the check later with a less helpful message.
    private static MasterKey LoadExistingMasterKey(string directory)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(MasterKey.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(fromEnvironment) && !File.Exists(Path.Combine(directory, MasterKey.FileName)))
        {
            throw new AuditTrailException(
                $"no master key: {MasterKey.EnvironmentVariable} is not set and {Path.Combine(directory, MasterKey.FileName)} does not exist "
                + "(set the key the broker runs with)");
        }

        return MasterKey.Load(directory);
    }
}
