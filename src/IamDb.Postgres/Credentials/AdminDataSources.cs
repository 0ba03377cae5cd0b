using Npgsql;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// One pooled <see cref="NpgsqlDataSource"/> per admin endpoint and database, created on first use and disposed with
/// the owner. An endpoint whose password changed gets a new source; the old one is retired (its pooled connections were
/// opened with the old password) and disposed at the end.
/// </summary>
internal sealed class AdminDataSources : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Key, Entry> _sources = [];
    private readonly List<NpgsqlDataSource> _retired = [];
    private bool _disposed;

    private readonly record struct Key(string Host, int Port, string Database, string User, string SslMode, string? RootCertificate);

    private sealed record Entry(string Password, NpgsqlDataSource DataSource);

    /// <summary>Opens an admin connection to <paramref name="database"/> (the endpoint's own when null).</summary>
    public async Task<NpgsqlConnection> OpenAsync(ClusterEndpoint endpoint, string? database, CancellationToken ct)
    {
        var source = Get(endpoint, database);
        try
        {
            return await source.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw ClusterErrors.OnOpen(e, endpoint, database ?? endpoint.Database);
        }
    }

    private NpgsqlDataSource Get(ClusterEndpoint endpoint, string? database)
    {
        var key = new Key(endpoint.Host, endpoint.Port, database ?? endpoint.Database, endpoint.AdminUser, endpoint.SslMode, endpoint.RootCertificatePath);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sources.TryGetValue(key, out var entry))
            {
                if (string.Equals(entry.Password, endpoint.AdminPassword, StringComparison.Ordinal))
                {
                    return entry.DataSource;
                }

                _retired.Add(entry.DataSource);
            }

            var created = new Entry(endpoint.AdminPassword, Build(endpoint, key.Database));
            _sources[key] = created;
            return created.DataSource;
        }
    }

    internal static NpgsqlDataSource Build(ClusterEndpoint endpoint, string database)
    {
        if (!Enum.TryParse<SslMode>(endpoint.SslMode, ignoreCase: true, out var sslMode))
        {
            throw new ClusterOperationException(
                ClusterFailure.ServerError, $"SSL mode '{SqlText.Printable(endpoint.SslMode)}' is not one Npgsql knows (Disable, Prefer, Require, VerifyCA, VerifyFull).");
        }

        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            Database = database,
            Username = endpoint.AdminUser,
            Password = endpoint.AdminPassword,
            SslMode = sslMode,
            RootCertificate = endpoint.RootCertificatePath,
            ApplicationName = "iamdb",
            Timeout = 15,
            CommandTimeout = 60,
            Pooling = true,
            MaxPoolSize = 100,
            // Idle admin connections to every database of every cluster add up; let them go.
            ConnectionIdleLifetime = 60,
        };

        // No logger factory on purpose: Npgsql's command logging would carry SCRAM verifiers.
        return new NpgsqlDataSourceBuilder(csb.ConnectionString).Build();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        List<NpgsqlDataSource> all;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _sources.Values.Select(e => e.DataSource), .. _retired];
            _sources.Clear();
            _retired.Clear();
        }

        foreach (var source in all)
        {
            await source.DisposeAsync();
        }
    }
}
