using Npgsql;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// One pooled <see cref="NpgsqlDataSource"/> per admin endpoint and database, created on first use and disposed with
/// the owner. An endpoint whose password changed gets a new source; the old one is retired (its pooled connections were
/// opened with the old password) and disposed at the end. Every connection is TLS (Npgsql's <c>Require</c>: a server
/// without TLS is refused), and the server's certificate is checked in memory by <see cref="ServerCertificateVerifier"/>
/// as the endpoint's <see cref="ClusterEndpoint.SslMode"/> asks, against its own root certificates when it has some.
/// </summary>
internal sealed class AdminDataSources(TimeProvider time) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Key, Entry> _sources = [];
    private readonly List<NpgsqlDataSource> _retired = [];
    private bool _disposed;

    private readonly record struct Key(string Host, int Port, string Database, string User, string SslMode, string? RootCertificatePem);

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
        var key = new Key(endpoint.Host, endpoint.Port, database ?? endpoint.Database, endpoint.AdminUser, endpoint.SslMode, endpoint.RootCertificatePem);
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

            var created = new Entry(endpoint.AdminPassword, Build(endpoint, key.Database, time));
            _sources[key] = created;
            return created.DataSource;
        }
    }

    internal static NpgsqlDataSource Build(ClusterEndpoint endpoint, string database, TimeProvider? time = null)
    {
        var check = ServerCertificateVerifier.ParseMode(endpoint.SslMode) ?? throw new ClusterOperationException(
            ClusterFailure.TlsFailed,
            $"SSL mode '{SqlText.Printable(endpoint.SslMode)}' is not one IamDb uses (require, verify-ca, verify-full); there is no mode without TLS.");
        var roots = endpoint.RootCertificatePem is null ? null : ServerCertificateVerifier.ParseRoots(endpoint.RootCertificatePem);
        var verifier = new ServerCertificateVerifier(check, endpoint.Host, roots, time ?? TimeProvider.System);

        var csb = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            Database = database,
            Username = endpoint.AdminUser,
            Password = endpoint.AdminPassword,
            // Require = TLS or no connection; the certificate checks are the verifier's (Npgsql's own would not say which failed).
            SslMode = SslMode.Require,
            ApplicationName = "iamdb",
            Timeout = 15,
            CommandTimeout = 60,
            Pooling = true,
            MaxPoolSize = 100,
            // Idle admin connections to every database of every cluster add up; let them go.
            ConnectionIdleLifetime = 60,
        };

        // No logger factory on purpose: Npgsql's command logging would carry SCRAM verifiers.
        var builder = new NpgsqlDataSourceBuilder(csb.ConnectionString);
        // CA5359 sees only "return true": the verifier throws for every certificate it rejects, and accepts any only in require mode.
#pragma warning disable CA5359
        builder.UseSslClientAuthenticationOptionsCallback(options => options.RemoteCertificateValidationCallback = verifier.Validate);
#pragma warning restore CA5359
        return builder.Build();
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
