using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace IamDb.Postgres.LocalServer;

/// <summary>
/// A PostgreSQL server run from the machine's own binaries in a directory IamDb owns:
/// <c>initdb</c> with SCRAM-SHA-256 authentication, listening on 127.0.0.1 only, started and
/// stopped with <c>pg_ctl</c>. Used for <c>iamdb up</c>'s local cluster and for throwaway test servers.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private const string DataFolder = "data";
    private const string LogFile = "postgres.log";
    private const string CertificateFile = "server.crt";
    private const string KeyFile = "server.key";
    private static readonly TimeSpan InitTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly PostgresBinaries _binaries;
    private readonly LocalPostgresOptions _options;
    private readonly string _password;
    private bool _running;

    private LocalPostgresServer(PostgresBinaries binaries, LocalPostgresOptions options, string password, int port)
    {
        _binaries = binaries;
        _options = options;
        _password = password;
        Port = port;
    }

    /// <summary>Always 127.0.0.1: the server never listens on another address.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The superuser's name.</summary>
    public string SuperUser => _options.SuperUser;

    /// <summary>The directory holding the cluster, its log and settings.</summary>
    public string Directory => _options.Directory;

    /// <summary>The server's log file.</summary>
    public string LogPath => Path.Combine(_options.Directory, LogFile);

    /// <summary>The server's TLS certificate (PEM) when <see cref="LocalPostgresOptions.Tls"/> is on; clients may verify against it.</summary>
    public string? CertificatePath => _options.Tls ? Path.Combine(DataDirectory, CertificateFile) : null;

    /// <summary>True between a successful start and stop.</summary>
    public bool IsRunning => _running;

    /// <summary>True when <paramref name="directory"/> already holds a cluster created by <see cref="StartAsync"/>.</summary>
    public static bool IsInitialized(string directory) => File.Exists(Path.Combine(directory, DataFolder, "PG_VERSION"));

    /// <summary>
    /// True when the server's user can pass through <paramref name="directory"/> (always, unless the server runs as the
    /// <c>postgres</c> user because this process is root; then every parent must let that user through).
    /// </summary>
    public static async Task<bool> ServiceUserCanReachAsync(string directory, CancellationToken ct = default)
    {
        if (!ServerProcessRunner.RunsAsServiceUser)
        {
            return true;
        }

        var probe = await ServerProcessRunner.RunAsync("test", ["-x", directory], TimeSpan.FromSeconds(10), ct);
        return probe.Succeeded;
    }

    /// <summary>
    /// Creates the cluster if the directory holds none (with <paramref name="superUserPassword"/> as the
    /// superuser's password), then starts it. A cluster that exists is started with its own password,
    /// which the caller must still know.
    /// </summary>
    public static async Task<LocalPostgresServer> StartAsync(
        LocalPostgresOptions options, string superUserPassword, PostgresBinaries? binaries = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(superUserPassword);
        binaries ??= PostgresBinaries.Find();
        if (binaries is null || !File.Exists(binaries.InitDb) || !File.Exists(binaries.PgCtl))
        {
            throw new LocalPostgresException(PostgresBinaries.NotFoundMessage);
        }

        System.IO.Directory.CreateDirectory(options.Directory);
        if (!OperatingSystem.IsWindows())
        {
            // The server's folder (its log, settings, certificate) is its own: nobody else may list or enter it.
            File.SetUnixFileMode(options.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await ServerProcessRunner.GiveToServiceUserAsync(options.Directory, ct);
        if (!IsInitialized(options.Directory))
        {
            await InitializeAsync(binaries, options, superUserPassword, ct);
        }

        // A port picked as free can be taken before the server binds it; try a few.
        var attempts = options.Port == 0 ? 3 : 1;
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port == 0 ? FindFreePort() : options.Port;
            var server = new LocalPostgresServer(binaries, options, superUserPassword, port);
            try
            {
                await server.StartProcessAsync(ct);
                return server;
            }
            catch (LocalPostgresException) when (attempt < attempts)
            {
                // Try again on another port.
            }
        }
    }

    /// <summary>A connection string for the superuser (or <paramref name="user"/>) to <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres", string? user = null, string? password = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = user ?? SuperUser,
            Password = password ?? (user is null ? _password : null),
            Pooling = true,
            Timeout = 15,
        }.ConnectionString;

    /// <summary>A data source for the superuser on <paramref name="database"/>. The caller disposes it.</summary>
    public NpgsqlDataSource CreateDataSource(string database = "postgres") => NpgsqlDataSource.Create(ConnectionString(database));

    /// <summary>Stops the server (fast shutdown: sessions are ended, then the server checkpoints).</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!_running)
        {
            return;
        }

        var stop = await ServerProcessRunner.RunAsync(
            _binaries.PgCtl, ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"], TimeSpan.FromSeconds(40), ct);
        if (!stop.Succeeded)
        {
            // A server that will not stop fast is stopped immediately; its data is still crash-safe.
            stop = await ServerProcessRunner.RunAsync(
                _binaries.PgCtl, ["stop", "-D", DataDirectory, "-m", "immediate", "-w"], TimeSpan.FromSeconds(30), ct);
        }

        _running = false;
        if (!stop.Succeeded && !stop.Output.Contains("is not running", StringComparison.OrdinalIgnoreCase))
        {
            throw new LocalPostgresException($"pg_ctl stop failed: {stop.Output.Trim()}");
        }
    }

    /// <summary>Stops the server if it runs.</summary>
    public async ValueTask DisposeAsync() => await StopAsync();

    private string DataDirectory => Path.Combine(_options.Directory, DataFolder);

    private static async Task InitializeAsync(PostgresBinaries binaries, LocalPostgresOptions options, string password, CancellationToken ct)
    {
        var dataDir = Path.Combine(options.Directory, DataFolder);
        var pwFile = Path.Combine(options.Directory, $".pwfile-{Guid.NewGuid():N}");
        try
        {
            await WritePrivateFileAsync(pwFile, password + "\n", ct);
            await ServerProcessRunner.GiveToServiceUserAsync(pwFile, ct);
            var init = await ServerProcessRunner.RunAsync(
                binaries.InitDb,
                [
                    "-D", dataDir,
                    "-U", options.SuperUser,
                    "--pwfile=" + pwFile,
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-instructions",
                    .. options.Durable ? Array.Empty<string>() : ["--no-sync"],
                ],
                InitTimeout,
                ct);
            if (!init.Succeeded)
            {
                throw new LocalPostgresException($"initdb failed in {dataDir}: {init.Output.Trim()}");
            }
        }
        finally
        {
            File.Delete(pwFile);
        }
    }

    // The password file is readable by its owner only from the moment it exists.
    private static async Task WritePrivateFileAsync(string path, string content, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(content), ct);
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        await WriteSettingsAsync(ct);
        var start = await ServerProcessRunner.RunAsync(
            _binaries.PgCtl, ["start", "-D", DataDirectory, "-l", LogPath, "-w", "-t", "90"], StartTimeout, ct);
        if (!start.Succeeded)
        {
            throw new LocalPostgresException(
                $"PostgreSQL did not start on 127.0.0.1:{Port}: {start.Output.Trim()}\n{TailOfLog()}");
        }

        _running = true;
    }

    // Settings live in their own file, rewritten at each start, included from postgresql.conf.
    private async Task WriteSettingsAsync(CancellationToken ct)
    {
        var settings = new StringBuilder()
            .AppendLine("# Written by IamDb at each start; edit LocalPostgresOptions instead.")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {Port}")
            .AppendLine("unix_socket_directories = ''")
            .AppendLine("password_encryption = 'scram-sha-256'")
            .AppendLine(CultureInfo.InvariantCulture, $"max_connections = {_options.MaxConnections}")
            .AppendLine("log_min_messages = warning")
            .AppendLine("log_statement = 'none'");
        if (_options.Tls)
        {
            await EnsureCertificateAsync(ct);
            if (_options.TcpRequiresTls)
            {
                await WriteHostBasedAuthenticationAsync(ct);
            }

            settings.AppendLine("ssl = on")
                .AppendLine(CultureInfo.InvariantCulture, $"ssl_cert_file = '{CertificateFile}'")
                .AppendLine(CultureInfo.InvariantCulture, $"ssl_key_file = '{KeyFile}'");
        }

        if (!_options.Durable)
        {
            settings.AppendLine("fsync = off").AppendLine("synchronous_commit = off").AppendLine("full_page_writes = off");
        }

        foreach (var line in _options.ExtraSettings)
        {
            settings.AppendLine(line);
        }

        var settingsPath = Path.Combine(DataDirectory, "iamdb.conf");
        var tmp = Path.Combine(_options.Directory, $".iamdb.conf-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(tmp, settings.ToString(), ct);
        File.Move(tmp, settingsPath, overwrite: true);
        await ServerProcessRunner.GiveToServiceUserAsync(settingsPath, ct);

        var conf = Path.Combine(DataDirectory, "postgresql.conf");
        const string include = "include_if_exists = 'iamdb.conf'";
        if (!(await File.ReadAllLinesAsync(conf, ct)).Contains(include))
        {
            await File.AppendAllTextAsync(conf, Environment.NewLine + include + Environment.NewLine, ct);
        }
    }

    // TCP only over TLS, password (SCRAM) always; the Unix socket (off unless configured) as initdb set it up.
    private async Task WriteHostBasedAuthenticationAsync(CancellationToken ct)
    {
        var hba = new StringBuilder()
            .AppendLine("# Written by IamDb at each start (LocalPostgresOptions.TcpRequiresTls): TCP logins only over TLS.")
            .AppendLine("local     all  all                 scram-sha-256")
            .AppendLine("hostssl   all  all  127.0.0.1/32   scram-sha-256")
            .AppendLine("hostssl   all  all  ::1/128        scram-sha-256")
            .AppendLine("hostnossl all  all  0.0.0.0/0      reject")
            .AppendLine("hostnossl all  all  ::/0           reject");
        var path = Path.Combine(DataDirectory, "pg_hba.conf");
        var tmp = Path.Combine(_options.Directory, $".pg_hba.conf-{Guid.NewGuid():N}");
        await WritePrivateFileAsync(tmp, hba.ToString(), ct);
        File.Move(tmp, path, overwrite: true);
        await ServerProcessRunner.GiveToServiceUserAsync(path, ct);
    }

    // A self-signed certificate for 127.0.0.1, ::1, localhost and this machine's name, made once (or the one the options
    // give, written at every start); PostgreSQL refuses a key others can read.
    private async Task EnsureCertificateAsync(CancellationToken ct)
    {
        var certPath = Path.Combine(DataDirectory, CertificateFile);
        var keyPath = Path.Combine(DataDirectory, KeyFile);
        if (_options.TlsCertificatePem is { } givenCertificate)
        {
            var givenKey = _options.TlsPrivateKeyPem
                ?? throw new LocalPostgresException("LocalPostgresOptions.TlsCertificatePem needs TlsPrivateKeyPem as well.");
            await WriteCertificateFilesAsync(certPath, givenCertificate, keyPath, givenKey, ct);
            return;
        }

        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            return;
        }

        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=IamDb local PostgreSQL", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        var hostName = Dns.GetHostName();
        if (!string.IsNullOrEmpty(hostName) && Uri.CheckHostName(hostName) == UriHostNameType.Dns
            && !string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName(hostName);
        }

        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        await WriteCertificateFilesAsync(certPath, certificate.ExportCertificatePem(), keyPath, key.ExportPkcs8PrivateKeyPem(), ct);
    }

    private static async Task WriteCertificateFilesAsync(string certPath, string certificatePem, string keyPath, string keyPem, CancellationToken ct)
    {
        File.Delete(keyPath + ".tmp");
        await WritePrivateFileAsync(keyPath + ".tmp", keyPem, ct);
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        await File.WriteAllTextAsync(certPath, certificatePem, ct);
        await ServerProcessRunner.GiveToServiceUserAsync(keyPath, ct);
        await ServerProcessRunner.GiveToServiceUserAsync(certPath, ct);
    }

    private string TailOfLog()
    {
        try
        {
            var lines = File.ReadAllLines(LogPath);
            return string.Join('\n', lines.TakeLast(15));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(server log unreadable)";
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
