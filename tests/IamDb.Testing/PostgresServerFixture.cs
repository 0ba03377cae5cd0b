using System.Security.Cryptography;
using IamDb.Postgres.LocalServer;
using Npgsql;
using Xunit;

namespace IamDb.Testing;

/// <summary>
/// A throwaway PostgreSQL server shared by every test in an assembly: created in a fresh temp
/// directory on a free 127.0.0.1 port with a generated superuser password, and stopped and deleted
/// when the tests end, pass or fail. Register it with
/// <c>[assembly: AssemblyFixture(typeof(PostgresServerFixture))]</c> and take it in a test class's constructor.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private readonly Func<LocalPostgresOptions, LocalPostgresOptions>? _configure;
    private LocalPostgresServer? _server;
    private int _databaseCounter;

    /// <summary>The shared server: TLS on with a generated certificate.</summary>
    public PostgresServerFixture()
    {
    }

    private PostgresServerFixture(Func<LocalPostgresOptions, LocalPostgresOptions> configure) => _configure = configure;

    /// <summary>
    /// A server of a test's own, with options changed by <paramref name="configure"/> (another certificate, no TLS …);
    /// call <see cref="InitializeAsync"/> and <see cref="DisposeAsync"/> yourself.
    /// </summary>
    public static PostgresServerFixture WithOptions(Func<LocalPostgresOptions, LocalPostgresOptions> configure) => new(configure);

    /// <summary>The running server.</summary>
    public LocalPostgresServer Server => _server ?? throw new InvalidOperationException("the PostgreSQL test server has not started");

    /// <summary>The temp directory that holds the server; deleted at the end.</summary>
    public string Directory { get; private set; } = "";

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("iamdb-pg-").FullName;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        try
        {
            // Throwaway data: no fsync, which makes DDL-heavy tests several times faster. TLS on: the broker's admin
            // connection never goes without it.
            var options = new LocalPostgresOptions { Directory = Directory, Durable = false, MaxConnections = 300, Tls = true };
            options = _configure?.Invoke(options) ?? options;
            _server = await LocalPostgresServer.StartAsync(options, GeneratePassword());
        }
        catch
        {
            DeleteDirectory();
            throw;
        }
    }

    /// <summary>Creates a new, empty database with a unique name and returns that name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 34)];
        await using var dataSource = Server.CreateDataSource();
        await using var cmd = dataSource.CreateCommand($"CREATE DATABASE \"{name}\"");
        await cmd.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>A data source for the superuser on <paramref name="database"/>.</summary>
    public NpgsqlDataSource CreateDataSource(string database = "postgres") => Server.CreateDataSource(database);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            if (_server is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await _server.StopAsync();
            }
        }
        finally
        {
            DeleteDirectory();
        }
    }

    // If the test host exits without disposing fixtures, the server must not outlive it.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        try
        {
            _server?.StopAsync().GetAwaiter().GetResult();
        }
        finally
        {
            DeleteDirectory();
        }
    }

    private void DeleteDirectory()
    {
        try
        {
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: the OS cleans temp directories eventually.
        }
    }

    private static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('/', '_').Replace('+', '-');
}
