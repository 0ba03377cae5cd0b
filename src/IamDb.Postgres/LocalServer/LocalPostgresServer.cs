using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private const string CaFile = "root.crt";
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

    /// <summary>
    /// The local CA certificate (PEM) that signed a generated server certificate: what clients verify the server with
    /// (<c>sslrootcert</c>). Null without <see cref="LocalPostgresOptions.Tls"/> and when the options gave the certificate
    /// (its issuer is the caller's).
    /// </summary>
    public string? RootCertificatePath => _options.Tls && _options.TlsCertificatePem is null ? Path.Combine(DataDirectory, CaFile) : null;

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

    // A server certificate for 127.0.0.1, ::1, localhost and this machine's name, issued by a CA made for it alone (or the
    // certificate the options give, written at every start). Made again when a file is missing, when it was self-signed
    // (no CA file: made before clients could verify it) or when the machine's name changed. The CA's private key is
    // dropped once the certificate is signed: nothing can issue another certificate that clients of this CA trust.
    // PostgreSQL refuses a key others can read.
    private async Task EnsureCertificateAsync(CancellationToken ct)
    {
        var certPath = Path.Combine(DataDirectory, CertificateFile);
        var keyPath = Path.Combine(DataDirectory, KeyFile);
        var caPath = Path.Combine(DataDirectory, CaFile);
        if (_options.TlsCertificatePem is { } givenCertificate)
        {
            var givenKey = _options.TlsPrivateKeyPem
                ?? throw new LocalPostgresException("LocalPostgresOptions.TlsCertificatePem needs TlsPrivateKeyPem as well.");
            await WriteCertificateFilesAsync(certPath, givenCertificate, keyPath, givenKey, ct);
            File.Delete(caPath);
            return;
        }

        var hostName = MachineName();
        if (File.Exists(certPath) && File.Exists(keyPath) && File.Exists(caPath) && Names(certPath, hostName))
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest(
            $"CN=IamDb local CA {Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}, O=IamDb", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=IamDb local PostgreSQL", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        if (hostName is not null)
        {
            names.AddDnsName(hostName);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddYears(10).AddMinutes(-10), serial);
        await WriteCertificateFilesAsync(certPath, certificate.ExportCertificatePem(), keyPath, key.ExportPkcs8PrivateKeyPem(), ct);
        await File.WriteAllTextAsync(caPath + ".tmp", ca.ExportCertificatePem(), ct);
        File.Move(caPath + ".tmp", caPath, overwrite: true);
        await ServerProcessRunner.GiveToServiceUserAsync(caPath, ct);
    }

    // This machine's DNS name when it is one (and not localhost, which is named anyway).
    private static string? MachineName()
    {
        var hostName = Dns.GetHostName();
        return !string.IsNullOrEmpty(hostName) && Uri.CheckHostName(hostName) == UriHostNameType.Dns
            && !string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase)
            ? hostName
            : null;
    }

    // True when the certificate at path names hostName (or there is no name to check); false when it cannot be read.
    private static bool Names(string path, string? hostName)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return hostName is null || certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
                .SelectMany(e => e.EnumerateDnsNames())
                .Contains(hostName, StringComparer.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
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
