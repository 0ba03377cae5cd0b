using System.Security.Cryptography;
using System.Text;
using IamDb.Broker.Actions.Redshift;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;
using IamDb.Postgres.LocalServer;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Hosting;

/// <summary>
/// <c>iamdb up</c>'s local cluster: with <see cref="BrokerOptions.LocalCluster"/> on, no other cluster registered and
/// PostgreSQL's server binaries installed, a PostgreSQL server with TLS runs in <c>DATA/postgres</c> for as long as the
/// broker does and is registered as cluster <c>local</c>. Its admin password is generated once and kept encrypted under
/// the master key, in the store (the cluster record) and in <c>DATA/local-cluster.secret</c> (0600), so the same server
/// is reused on the next start even if the store was reset. It is registered with <c>SslMode verify-full</c> against its
/// local CA (the one DescribeClusterCertificate returns), accepts TCP logins only over TLS (<c>hostssl</c>), and its folder is 0700.
/// </summary>
internal sealed partial class LocalClusterService(BrokerRuntime runtime, IClusterAdministration clusters, ILogger<LocalClusterService> logger)
    : IHostedService
{
    /// <summary>The identifier the local cluster is registered under.</summary>
    public const string ClusterIdentifier = "local";

    /// <summary>The folder of the data directory that holds the server.</summary>
    public const string FolderName = "postgres";

    private const string FallbackRoot = "/var/lib/iamdb";

    /// <summary>The encrypted admin password file.</summary>
    public const string SecretFileName = "local-cluster.secret";

    internal const string SecretContext = "local-cluster-admin-password";
    private LocalPostgresServer? _server;

    /// <summary>The running local server, or null when none was started.</summary>
    public LocalPostgresServer? Server => _server;

    /// <summary>Why no local cluster runs although it was asked for; null when it runs or was not asked for.</summary>
    public string? SkippedBecause { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!runtime.Options.LocalCluster)
        {
            return;
        }

        var store = runtime.Store;
        var registered = await store.ReadAsync(
            (r, c) => Pages.ReadAllAsync(p => r.Clusters.ListAsync(runtime.AccountId, p, c)), cancellationToken);
        var local = registered.FirstOrDefault(c => string.Equals(c.ClusterIdentifier, ClusterIdentifier, StringComparison.OrdinalIgnoreCase));
        if (local is null && registered.Count > 0)
        {
            SkippedBecause = "other clusters are registered";
            return;
        }

        var binaries = PostgresBinaries.Find();
        if (binaries is null)
        {
            SkippedBecause = "no PostgreSQL server binaries were found (install postgresql, or set " + PostgresBinaries.BinDirectoryVariable + ")";
            LogSkipped(logger, SkippedBecause);
            return;
        }

        var directory = Path.Combine(runtime.DataDirectory.Path, FolderName);
        AllowServiceUserThrough(runtime.DataDirectory.Path);
        var fallback = !LocalPostgresServer.IsInitialized(directory)
            && !await LocalPostgresServer.ServiceUserCanReachAsync(runtime.DataDirectory.Path, cancellationToken);
        if (fallback)
        {
            // Root's default data directory lies under /root (0700), which the server's own user cannot enter; keep the
            // cluster where it can, at a place derived from the data directory so the next start finds it again.
            directory = FallbackServerDirectory(runtime.DataDirectory.Path);
        }

        SecretString password;
        try
        {
            if (fallback)
            {
                OpenFallbackParents(directory);
            }

            password = local?.AdminPassword ?? ReadOrCreatePassword(directory);
            _server = await StartServerAsync(directory, local?.Port ?? 0, password, binaries, cancellationToken);
        }
        catch (Exception ex) when (ex is LocalPostgresException or InvalidOperationException or IOException or UnauthorizedAccessException or CryptographicException)
        {
            SkippedBecause = ex.Message;
            LogStartFailed(logger, ex.Message);
            return;
        }

        // verify-full against the local CA that issued the server's certificate, which names 127.0.0.1, ::1, localhost and
        // this machine; require only when the CA's certificate cannot be read. DescribeClusterCertificate hands clients the same CA.
        var rootPem = ReadCertificate(_server);
        var sslMode = rootPem is null ? ClusterSslModes.Require : ClusterSslModes.VerifyFull;
        WriteAdminAccess(_server, password, rootPem);
        var endpoint = new ClusterEndpoint(_server.Host, _server.Port, "postgres", _server.SuperUser, password.Reveal())
        {
            SslMode = sslMode,
            RootCertificatePem = rootPem,
        };
        if (local is null)
        {
            try
            {
                await clusters.PrepareAsync(endpoint, cancellationToken);
            }
            catch (ClusterOperationException ex)
            {
                SkippedBecause = ex.Message;
                LogStartFailed(logger, ex.Message);
                await StopAsync(cancellationToken);
                return;
            }

            var cluster = new RedshiftCluster(
                runtime.AccountId, ClusterIdentifier, runtime.Options.Region, _server.Host, _server.Port, "postgres", _server.SuperUser, password,
                runtime.Time.GetUtcNow())
            {
                SslMode = sslMode,
                SslRootCertificate = rootPem,
            };
            await store.WriteAsync((w, c) => w.Clusters.CreateAsync(cluster, c), cancellationToken);
            LogRegistered(logger, _server.Port, sslMode);
        }
        else if (local.Port != _server.Port || local.Host != _server.Host
            || (rootPem is not null && (local.SslMode != sslMode || local.SslRootCertificate != rootPem)))
        {
            // Moved to another port, or registered before the broker verified it (SslMode require from the upgrade).
            var moved = local with
            {
                Host = _server.Host,
                Port = _server.Port,
                SslMode = rootPem is null ? local.SslMode : sslMode,
                SslRootCertificate = rootPem ?? local.SslRootCertificate,
            };
            await store.WriteAsync((w, c) => w.Clusters.UpdateAsync(moved, c), cancellationToken);
        }
    }

    private string? ReadCertificate(LocalPostgresServer server)
    {
        try
        {
            return server.RootCertificatePath is { } path ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNoCertificate(logger, ex.Message);
            return null;
        }
    }

    // The operator's own way in (iamdb clusters admin-url local): a 0600 password file and the CA in the data directory,
    // which only its owner can read. Not having it does not stop the broker.
    private void WriteAdminAccess(LocalPostgresServer server, SecretString password, string? rootPem)
    {
        try
        {
            LocalAdminAccess.Write(runtime.DataDirectory.Path, server.Host, server.Port, server.SuperUser, password.Reveal(), rootPem);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNoAdminAccess(logger, ex.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
            try
            {
                LocalAdminAccess.Delete(runtime.DataDirectory.Path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogNoAdminAccess(logger, ex.Message);
            }

            await server.StopAsync(cancellationToken);
        }
    }

    // The port the cluster had is tried first so clients' saved endpoints keep working; a taken port falls back to a free one.
    private static async Task<LocalPostgresServer> StartServerAsync(
        string directory, int port, SecretString password, PostgresBinaries binaries, CancellationToken ct)
    {
        var options = new LocalPostgresOptions { Directory = directory, Port = port, Tls = true, TcpRequiresTls = true };
        try
        {
            return await LocalPostgresServer.StartAsync(options, password.Reveal(), binaries, ct);
        }
        catch (LocalPostgresException) when (port != 0)
        {
            return await LocalPostgresServer.StartAsync(options with { Port = 0 }, password.Reveal(), binaries, ct);
        }
    }

    /// <summary>Where the cluster of a data directory the <c>postgres</c> user cannot enter lives: <c>/var/lib/iamdb/HASH/postgres</c>.</summary>
    internal static string FallbackServerDirectory(string dataDirectory)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..16];
        return Path.Combine(FallbackRoot, hash, FolderName);
    }

    // Creates /var/lib/iamdb and /var/lib/iamdb/HASH as 0711 whatever the umask: the postgres user passes through to its
    // own folder (itself 0700) and nobody else can list anything.
    private static void OpenFallbackParents(string serverDirectory)
    {
        var parent = Path.GetDirectoryName(serverDirectory)!;
        foreach (var folder in new[] { FallbackRoot, parent })
        {
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
    }

    /// <summary>
    /// As root the server runs as the <c>postgres</c> user, which must pass through the (0700) data directory to reach
    /// its own folder: it gets search permission only, so it can list nothing and every file here stays 0600.
    /// </summary>
    private static void AllowServiceUserThrough(string dataDirectory)
    {
        if (OperatingSystem.IsWindows() || !Environment.IsPrivilegedProcess)
        {
            return;
        }

        var mode = File.GetUnixFileMode(dataDirectory);
        File.SetUnixFileMode(dataDirectory, mode | UnixFileMode.OtherExecute);
    }

    private SecretString ReadOrCreatePassword(string serverDirectory)
    {
        var path = Path.Combine(runtime.DataDirectory.Path, SecretFileName);
        if (File.Exists(path))
        {
            return runtime.Protector.UnprotectString(Convert.FromBase64String(File.ReadAllText(path).Trim()), SecretContext);
        }

        if (LocalPostgresServer.IsInitialized(serverDirectory))
        {
            throw new InvalidOperationException(
                $"{serverDirectory} holds a PostgreSQL cluster but its admin password ({path}) is gone; move the folder away to start afresh, "
                + "or start with --no-local-cluster");
        }

        var password = new SecretString(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        var protectedText = Convert.ToBase64String(runtime.Protector.Protect(password, SecretContext));
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, file))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(protectedText);
        }

        return password;
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "No local cluster: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "The local cluster did not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "Registered the local PostgreSQL on 127.0.0.1:{Port} as cluster local (SslMode {SslMode})")]
    private static partial void LogRegistered(ILogger logger, int port, string sslMode);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Warning, Message = "The local cluster's admin password file could not be written or removed: {Reason}")]
    private static partial void LogNoAdminAccess(ILogger logger, string reason);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "The local cluster's certificate cannot be read ({Reason}); it is registered with SslMode require")]
    private static partial void LogNoCertificate(ILogger logger, string reason);
}
