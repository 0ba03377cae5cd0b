using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using Npgsql;

namespace IamDb.Broker.Hosting.Maintenance;

/// <summary>Where the master key of a store came from: it decides who must switch to a new one after a rotation.</summary>
internal enum MasterKeyOrigin
{
    /// <summary>The configuration's <c>master_key</c>.</summary>
    Configuration,

    /// <summary>The <c>IAMDB_MASTER_KEY</c> environment variable.</summary>
    Environment,

    /// <summary>The data directory's <c>master.key</c> file.</summary>
    KeyFile,
}

/// <summary>The store a maintenance command works on, read from the broker's options: its data directory, store and key.</summary>
internal sealed class MaintenanceTarget
{
    private readonly BrokerOptions _options;

    private MaintenanceTarget(BrokerOptions options)
    {
        _options = options;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
    }

    public string DataDirectory { get; }

    public bool IsPostgres => _options.Store == StoreKind.Postgres;

    public string StateFilePath => Path.Combine(DataDirectory, State.DataDirectory.StateFileName);

    public string KeyFilePath => Path.Combine(DataDirectory, MasterKey.FileName);

    public string LocalClusterSecretPath => Path.Combine(DataDirectory, LocalClusterService.SecretFileName);

    public static MaintenanceTarget From(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Store == StoreKind.Postgres && string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            throw new StoreMaintenanceException("the configuration names a postgres store without a connection_string");
        }

        return new MaintenanceTarget(options);
    }

    public StateStoreLocation Location(SqliteStoreLock? heldExclusively = null) =>
        IsPostgres
            ? new StateStoreLocation.Postgres(_options.PostgresConnectionString!)
            : new StateStoreLocation.Sqlite(StateFilePath, heldExclusively);

    /// <summary>
    /// The key the broker would open this store with (configuration, then <c>IAMDB_MASTER_KEY</c>, then the key file); unlike
    /// a broker start, never creates a key file.
    /// </summary>
    /// <exception cref="StoreMaintenanceException">there is no key, or it is malformed.</exception>
    public (MasterKey Key, MasterKeyOrigin Origin) LoadExistingKey(Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        try
        {
            if (_options.MasterKey is { } configured)
            {
                return (MasterKey.Parse(configured, "the configuration's master_key"), MasterKeyOrigin.Configuration);
            }

            if (getEnvironmentVariable(MasterKey.EnvironmentVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return (MasterKey.Parse(fromEnvironment, MasterKey.EnvironmentVariable), MasterKeyOrigin.Environment);
            }

            if (File.Exists(KeyFilePath))
            {
                return (MasterKey.Load(DataDirectory, _ => null), MasterKeyOrigin.KeyFile);
            }
        }
        catch (MasterKeyException ex)
        {
            throw new StoreMaintenanceException(ex.Message, ex);
        }

        throw new StoreMaintenanceException(
            $"no master key: {MasterKey.EnvironmentVariable} is not set and {KeyFilePath} does not exist. The key is never inside a "
            + $"backup: copy the key the store was made with to {KeyFilePath} (chmod 600) or set {MasterKey.EnvironmentVariable}, then run this again");
    }

    /// <summary>The PostgreSQL database, user and server of a postgres store, without its password, for recipes in messages.</summary>
    public string PostgresConnectionForDisplay()
    {
        var builder = new NpgsqlConnectionStringBuilder(_options.PostgresConnectionString);
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(builder.Host))
        {
            parts.Add($"host={builder.Host}");
        }

        parts.Add($"port={builder.Port}");
        if (!string.IsNullOrEmpty(builder.Database))
        {
            parts.Add($"dbname={builder.Database}");
        }

        if (!string.IsNullOrEmpty(builder.Username))
        {
            parts.Add($"user={builder.Username}");
        }

        return string.Join(' ', parts);
    }
}
