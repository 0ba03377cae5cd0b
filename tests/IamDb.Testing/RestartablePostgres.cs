using System.Diagnostics;
using System.Security.Cryptography;
using IamDb.Postgres.LocalServer;
using Npgsql;

namespace IamDb.Testing;

/// <summary>
/// A throwaway PostgreSQL server of one test's own that the test may stop, kill with SIGKILL and start again on the same
/// port and data (the shared <see cref="PostgresServerFixture"/> must never go away under other tests). Deleted on dispose.
/// </summary>
public sealed class RestartablePostgres : IAsyncDisposable
{
    private readonly LocalPostgresOptions _options;
    private LocalPostgresServer _server;

    private RestartablePostgres(LocalPostgresOptions options, LocalPostgresServer server, string password)
    {
        _options = options with { Port = server.Port };
        _server = server;
        SuperUserPassword = password;
    }

    /// <summary>The running server (a new object after each start).</summary>
    public LocalPostgresServer Server => _server;

    /// <summary>Always loopback.</summary>
    public string Host => _server.Host;

    /// <summary>The port, the same across restarts.</summary>
    public int Port => _server.Port;

    /// <summary>The superuser's password (for registering the server as a cluster; never print it).</summary>
    public string SuperUserPassword { get; }

    /// <summary>
    /// Creates and starts a server (TLS on) in a fresh temp directory on a free port. Durable (fsync and synchronous commit
    /// on) unlike the shared server: after a SIGKILL a commit the server acknowledged must still be there.
    /// </summary>
    public static async Task<RestartablePostgres> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-pgr-").FullName;
        var options = new LocalPostgresOptions { Directory = directory, Durable = true, MaxConnections = 200, Tls = true };
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('/', '_').Replace('+', '-');
        try
        {
            return new RestartablePostgres(options, await LocalPostgresServer.StartAsync(options, password), password);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>A connection string for the superuser through <paramref name="host"/>:<paramref name="port"/> (a proxy) or directly.</summary>
    public string ConnectionString(string database = "postgres", string? host = null, int? port = null) =>
        new NpgsqlConnectionStringBuilder(_server.ConnectionString(database))
        {
            Host = host ?? Host,
            Port = port ?? Port,
        }.ConnectionString;

    /// <summary>Creates a database and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var dataSource = _server.CreateDataSource();
        await using var command = dataSource.CreateCommand($"CREATE DATABASE \"{name}\"");
        await command.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>Runs <paramref name="sql"/> as the superuser on <paramref name="database"/> (unpooled, so it works right after a restart).</summary>
    public async Task<List<object?[]>> QueryAsync(string sql, string database = "postgres")
    {
        var builder = new NpgsqlConnectionStringBuilder(_server.ConnectionString(database)) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Stops the server cleanly (pg_ctl stop -m fast).</summary>
    public Task StopAsync() => _server.StopAsync();

    /// <summary>
    /// SIGKILL to the postmaster: no shutdown, no checkpoint. Its backends notice and exit on their own; waits (at most 30 s)
    /// until none of them is left so a restart finds the shared memory free.
    /// </summary>
    public async Task KillHardAsync()
    {
        var pidFile = Path.Combine(_options.Directory, "data", "postmaster.pid");
        var pid = int.Parse((await File.ReadAllLinesAsync(pidFile))[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var backends = ChildrenOf(pid);
        using (var postmaster = Process.GetProcessById(pid))
        {
            postmaster.Kill();
            await postmaster.WaitForExitAsync();
        }

        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until && backends.Any(IsAlive))
        {
            await Task.Delay(100);
        }
    }

    /// <summary>Starts the server again on the same port and data (crash recovery runs after a kill); retries for up to 60 s.</summary>
    public async Task StartAgainAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                _server = await LocalPostgresServer.StartAsync(_options, SuperUserPassword);
                return;
            }
            catch (LocalPostgresException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await _server.StopAsync();
        }
        catch (LocalPostgresException)
        {
            // Killed and not restarted: nothing to stop.
        }
        finally
        {
            try
            {
                Directory.Delete(_options.Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    // The postmaster's children (backends, checkpointer …), read from /proc before it dies: afterwards they are re-parented.
    private static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } fields && fields.Length > 1
                && fields[1] == parent.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                children.Add(pid);
            }
        }

        return children;
    }

    // Gone, or a zombie nobody reaps (its memory and shared-memory attachment are released already).
    private static bool IsAlive(int pid) => Stat(pid) is { Length: > 0 } fields && fields[0] != "Z";

    // The fields of /proc/PID/stat after the command name: state, ppid, …
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
