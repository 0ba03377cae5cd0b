using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IamDb.Cli.Output;
using IamDb.Client.Caching;
using IamDb.Client.Query;

namespace IamDb.Cli.Connection;

/// <summary>
/// The CA certificates that verify broker clusters' server certificates (<c>sslrootcert</c>): fetched with IamDb's
/// <c>DescribeClusterCertificate</c> on every <c>iamdb url</c>/<c>iamdb connect</c> and kept next to the credential cache
/// (<c>~/.cache/iamdb/certificates/CLUSTER-HASH.pem</c>, one file per broker endpoint and cluster), rewritten only when the
/// broker's answer differs. A certificate is public: the file is 0644 in a 0700 folder. When the broker cannot be asked
/// (network, throttling) the cached copy is used.
/// </summary>
internal static class ClusterCertificates
{
    public static readonly Option<string?> SslRootCertOption = new("--ssl-root-cert")
    {
        Description = "CA certificate file (PEM) to verify the cluster with, used as is (for AWS: the Redshift CA bundle). "
            + "Default for a broker: the cluster's CA from DescribeClusterCertificate, cached next to the credential cache.",
    };

    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The folder: <c>certificates</c> beside the credential cache file.</summary>
    public static string DirectoryPath() => Path.Combine(Path.GetDirectoryName(ClusterCredentialCacheOptions.DefaultPersistentCacheFile)!, "certificates");

    /// <summary>The cached file of <paramref name="cluster"/> at <paramref name="endpoint"/> (whether it exists or not).</summary>
    public static string FileFor(Uri endpoint, string cluster)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(cluster);
        var id = cluster.ToLowerInvariant();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{endpoint.AbsoluteUri}\n{id}")))[..16];
        var safe = new string([.. id.Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-').Take(63)]);
        return Path.Combine(DirectoryPath(), $"{(safe.Length == 0 ? "cluster" : safe)}-{hash}.pem");
    }

    /// <summary>
    /// The path of the cluster's CA certificate, fetched from the broker and cached; null when the connection is AWS's,
    /// the broker has no certificate for the cluster, or it is a broker without <c>DescribeClusterCertificate</c>.
    /// </summary>
    /// <exception cref="AwsClientException">the broker refused (e.g. <c>AccessDenied</c>) or failed and nothing is cached.</exception>
    public static async Task<string?> FetchAsync(ServiceConnection connection, string cluster, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Endpoint is not { } endpoint || AwsServices.IsAwsEndpoint(endpoint))
        {
            return null;
        }

        var path = FileFor(endpoint, cluster);
        string? pem;
        try
        {
            pem = (await connection.Redshift.DescribeClusterCertificateAsync(cluster, ct)).CertificatePem;
        }
        catch (AwsServiceException ex) when (ex.Code == "InvalidAction")
        {
            return null; // a broker from before the action: no verified TLS from it
        }
        catch (AwsClientException ex) when (ex.IsRetryable && File.Exists(path))
        {
            return path;
        }

        if (pem is null)
        {
            if (File.Exists(path))
            {
                File.Delete(path); // the cluster no longer has one: a stale copy must not be trusted
            }

            return null;
        }

        Save(path, pem);
        return path;
    }

    /// <summary>Writes <paramref name="pem"/> to <paramref name="path"/> unless it holds that text already (atomically, 0644).</summary>
    internal static void Save(string path, string pem)
    {
        if (!IsCertificates(pem))
        {
            throw new CliException("the broker's DescribeClusterCertificate answer is not a PEM certificate; use --ssl-root-cert FILE or --sslmode require.");
        }

        if (File.Exists(path) && string.Equals(File.ReadAllText(path), pem, StringComparison.Ordinal))
        {
            return;
        }

        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, FolderMode);
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temporary, pem);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, FileMode);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    // Only certificates: a private key or anything else in the answer is not written anywhere.
    private static bool IsCertificates(string pem)
    {
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(pem);
            var any = collection.Count > 0;
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }

            return any;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
