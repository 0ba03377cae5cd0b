using System.Data;
using System.Data.Common;
using IamDb.Client.Caching;
using IamDb.Client.Redshift;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IamDb.Client.DataSources;

/// <summary>
/// An Npgsql data source whose logins come from a <see cref="ClusterCredentialCache"/>. Npgsql fixes the user name per
/// data source, and IamDb issues a new login name with every credential (AWS keeps <c>IAM:user</c> and changes only the
/// password), so this keeps one pooled <see cref="NpgsqlDataSource"/> per login name: a credential with the same name
/// only updates the password new physical connections use; a new name starts a new pool and retires the old one, whose
/// open connections keep working until they are closed. An authentication failure (SQLSTATE 28P01/28000) on open drops
/// the cached credential and tries once more with a fresh one.
/// </summary>
public sealed partial class ClusterDataSource : DbDataSource
{
    private const int MaxOpenAttempts = 4;

    private readonly ClusterCredentialCache _cache;
    private readonly ClusterCredentialSource _credentials;
    private readonly ClusterDataSourceOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _slots;
    private NpgsqlConnectionStringBuilder? _baseSettings;
    private Task<NpgsqlConnectionStringBuilder>? _resolving;
    private Generation? _current;
    private bool _disposed;
    private long _authenticationRetries;

    private ClusterDataSource(ClusterCredentialCache cache, ClusterCredentialSource credentials, ClusterDataSourceOptions options, ILogger logger)
    {
        _cache = cache;
        _credentials = credentials;
        _options = options;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxPoolSize, options.MaxPoolSize);
    }

    /// <summary>The credential source connections log in with.</summary>
    public ClusterCredentialSource Credentials => _credentials;

    /// <summary>The host connected to.</summary>
    /// <exception cref="InvalidOperationException">a data source from dependency injection has not resolved its cluster yet (open a connection first).</exception>
    public string Host => Resolved.Host!;

    /// <summary>The port connected to.</summary>
    /// <exception cref="InvalidOperationException">the cluster is not resolved yet (see <see cref="Host"/>).</exception>
    public int Port => Resolved.Port;

    /// <summary>The database connected to.</summary>
    /// <exception cref="InvalidOperationException">the cluster is not resolved yet (see <see cref="Host"/>).</exception>
    public string Database => Resolved.Database!;

    /// <summary>The TLS mode of every connection.</summary>
    /// <exception cref="InvalidOperationException">the cluster is not resolved yet (see <see cref="Host"/>).</exception>
    public SslMode SslMode => Resolved.SslMode;

    /// <summary>The most server connections this data source holds at once (<see cref="ClusterDataSourceOptions.MaxPoolSize"/>).</summary>
    public int MaxPoolSize => _options.MaxPoolSize;

    /// <summary>How many opens were retried after an authentication failure.</summary>
    public long AuthenticationRetries => Interlocked.Read(ref _authenticationRetries);

    /// <summary>The connection settings without user name or password (empty until the cluster is resolved).</summary>
    public override string ConnectionString => Volatile.Read(ref _baseSettings)?.ConnectionString ?? string.Empty;

    private NpgsqlConnectionStringBuilder Resolved => Volatile.Read(ref _baseSettings) ??
        throw new InvalidOperationException("The cluster is resolved on first use: open a connection first.");

    /// <summary>
    /// Configures a data source for a cluster: asks <c>DescribeClusters</c> (through the cache) for host and port when they
    /// are not given, and uses the cache's credential for <see cref="ClusterDataSourceOptions.Credentials"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">the shared <see cref="ClusterDataSourceOptions.Budget"/> cannot cover <see cref="ClusterDataSourceOptions.MaxPoolSize"/>.</exception>
    public static async Task<ClusterDataSource> CreateAsync(
        ClusterCredentialCache cache, ClusterDataSourceOptions options, CancellationToken cancellationToken = default)
    {
        var dataSource = CreateDeferred(cache, options);
        try
        {
            await dataSource.SettingsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return dataSource;
    }

    /// <summary>A data source that resolves its cluster (DescribeClusters) on first use, for dependency injection.</summary>
    internal static ClusterDataSource CreateDeferred(ClusterCredentialCache cache, ClusterDataSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxPoolSize < 1)
        {
            throw new ArgumentException($"MaxPoolSize must be at least 1, not {options.MaxPoolSize}.", nameof(options));
        }

        var source = cache.GetSource(options.Credentials);
        options.Budget?.Reserve(options.MaxPoolSize, $"cluster {options.Credentials.ClusterIdentifier}, database {options.Database ?? options.Credentials.DbName ?? "(default)"}");
        var logger = (cache.Options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("IamDb.Client.DataSources");
        return new ClusterDataSource(cache, source, options, logger);
    }

    /// <summary>Opens a connection with a valid credential (fetching one first when needed).</summary>
    /// <exception cref="PostgresException">the database refused the login even with a fresh credential, or another failure.</exception>
    public new async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var settings = await SettingsAsync(cancellationToken).ConfigureAwait(false);
        if (!await _slots.WaitAsync(TimeSpan.FromSeconds(Math.Max(1, settings.Timeout)), cancellationToken).ConfigureAwait(false))
        {
            throw new NpgsqlException(
                $"All {settings.MaxPoolSize} connections of this data source (MaxPoolSize) stayed in use for {settings.Timeout} s: close connections sooner or raise MaxPoolSize.");
        }

        try
        {
            var connection = await OpenWithinSlotAsync(cancellationToken).ConfigureAwait(false);
            var lease = new SlotLease(_slots);
            connection.StateChange += lease.OnStateChange;
            return connection;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Settings of the data source for <paramref name="login"/> (for tests and connection strings).</summary>
    internal NpgsqlConnectionStringBuilder SettingsFor(string login) => new(Resolved.ConnectionString) { Username = login };

    /// <summary>The settings, resolving the cluster once (shared by concurrent callers; a failure is not kept).</summary>
    private ValueTask<NpgsqlConnectionStringBuilder> SettingsAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _baseSettings) is { } settings)
        {
            return new ValueTask<NpgsqlConnectionStringBuilder>(settings);
        }

        Task<NpgsqlConnectionStringBuilder> resolving;
        lock (_gate)
        {
            if (_resolving is null || _resolving.IsFaulted || _resolving.IsCanceled)
            {
                _resolving = ResolveAsync();
            }

            resolving = _resolving;
        }

        return new ValueTask<NpgsqlConnectionStringBuilder>(cancellationToken.CanBeCanceled ? resolving.WaitAsync(cancellationToken) : resolving);
    }

    private async Task<NpgsqlConnectionStringBuilder> ResolveAsync()
    {
        // Leave the caller's lock first.
        await Task.Yield();
        var options = _options;
        var host = options.Host;
        var port = options.Port;
        var database = options.Database ?? options.Credentials.DbName;
        if (host is null || (port is null && database is null))
        {
            // Through the cache: one call per cluster for any number of data sources, throttling retried with backoff.
            var cluster = await _cache.DescribeClusterAsync(options.Credentials.ClusterIdentifier, _cache.DisposalToken).ConfigureAwait(false);
            if (host is null)
            {
                var endpoint = cluster.Endpoint ?? throw new InvalidOperationException(
                    $"Cluster {cluster.ClusterIdentifier} has no endpoint yet (status {cluster.ClusterStatus ?? "unknown"}): try again once it is available.");
                host = endpoint.Address;
                port ??= endpoint.Port;
            }

            database ??= cluster.DBName;
        }

        var isAws = _cache.Client?.IsAws ?? false;
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port ?? 5439,
            Database = database ?? "dev",
            SslMode = options.SslMode ?? (isAws ? SslMode.Require : SslMode.Prefer),
        };
        if (options.RootCertificate is { } ca)
        {
            settings.RootCertificate = ca;
        }

        options.ConfigureConnection?.Invoke(settings);
        settings.Remove("Username");
        settings.Remove("Password");
        settings.MaxPoolSize = options.MaxPoolSize;
        settings.MinPoolSize = Math.Min(settings.MinPoolSize, options.MaxPoolSize);
        Volatile.Write(ref _baseSettings, settings);
        return settings;
    }

    private async ValueTask<NpgsqlConnection> OpenWithinSlotAsync(CancellationToken cancellationToken)
    {
        var authenticationRetried = false;
        for (var attempt = 1; ; attempt++)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var credentials = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
            var generation = GenerationFor(credentials);
            try
            {
                return await generation.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (!authenticationRetried && e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
            {
                // Revoked, reaped, or the server was reset: a fresh credential may well work; a second refusal is real.
                authenticationRetried = true;
                Interlocked.Increment(ref _authenticationRetries);
                LogAuthenticationRetry(_logger, credentials.DbUser, e.SqlState);
                _credentials.Invalidate(credentials);
            }
            catch (ObjectDisposedException) when (!_disposed && attempt < MaxOpenAttempts)
            {
                // The credential rotated to a new login while we opened on the old pool, which was just retired.
            }
        }
    }

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// An unopened connection for the current credential (waits for a fetch when none is cached). Prefer
    /// <see cref="OpenConnectionAsync"/>: only it retries after an authentication failure.
    /// </summary>
    protected override DbConnection CreateDbConnection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _baseSettings) is null)
        {
            SettingsAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        var pending = _credentials.GetAsync();
        var credentials = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return GenerationFor(credentials).DataSource.CreateConnection();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var generation in TakeAll())
            {
                generation.DataSource.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeAsyncCore()
    {
        foreach (var generation in TakeAll())
        {
            await generation.DataSource.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    private List<Generation> TakeAll()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _options.Budget?.Return(_options.MaxPoolSize);
            }

            _disposed = true;
            var all = new List<Generation>();
            if (_current is not null)
            {
                all.Add(_current);
            }

            _current = null;
            return all;
        }
    }

    private Generation GenerationFor(ClusterCredentials credentials)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && current.Login == credentials.DbUser)
        {
            current.Password = credentials.DbPassword;
            return current;
        }

        Generation? retired = null;
        Generation created;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is not null && _current.Login == credentials.DbUser)
            {
                _current.Password = credentials.DbPassword;
                return _current;
            }

            created = new Generation(credentials.DbUser, credentials.DbPassword);
            var builder = new NpgsqlDataSourceBuilder(SettingsFor(credentials.DbUser).ConnectionString);
            _options.ConfigureDataSource?.Invoke(builder);
            var generation = created;
            builder.UsePasswordProvider(_ => generation.Password, (_, _) => ValueTask.FromResult(generation.Password));
            created.DataSource = builder.Build();
            retired = _current;
            Volatile.Write(ref _current, created);
        }

        if (retired is not null)
        {
            // Idle connections of the old login close now; connections in use keep working until they are closed.
            LogRetired(_logger, retired.Login, credentials.DbUser);
            retired.DataSource.Dispose();
        }

        return created;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Login {DbUser} refused ({SqlState}); fetching a new credential and trying once more")]
    private static partial void LogAuthenticationRetry(ILogger logger, string dbUser, string sqlState);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Pool for login {OldLogin} retired; new connections log in as {NewLogin}")]
    private static partial void LogRetired(ILogger logger, string oldLogin, string newLogin);

    /// <summary>One opened connection's slot, given back once when the connection closes (or breaks).</summary>
    private sealed class SlotLease(SemaphoreSlim slots)
    {
        private int _released;

        public void OnStateChange(object sender, StateChangeEventArgs e)
        {
            if (e.CurrentState != ConnectionState.Open && Interlocked.Exchange(ref _released, 1) == 0)
            {
                ((NpgsqlConnection)sender).StateChange -= OnStateChange;
                slots.Release();
            }
        }
    }

    /// <summary>The pool of one login name and the newest password for it.</summary>
    private sealed class Generation(string login, string password)
    {
        private string _password = password;

        public string Login { get; } = login;

        public NpgsqlDataSource DataSource { get; set; } = null!;

        public string Password
        {
            get => Volatile.Read(ref _password);
            set => Volatile.Write(ref _password, value);
        }
    }
}
