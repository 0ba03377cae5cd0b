using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Certificates for HTTPS: a configured PEM/PFX file, or (<c>--tls</c>) a local CA and a server certificate for
/// 127.0.0.1/localhost generated once into <c>DATA/tls/</c>. Clients trust <c>DATA/tls/ca.pem</c>
/// (for the aws CLI: <c>--ca-bundle</c> or <c>AWS_CA_BUNDLE</c>).
/// </summary>
internal static class TlsCertificates
{
    public const string DirectoryName = "tls";
    public const string CaFileName = "ca.pem";
    private const string ServerFileName = "server.pfx";

    public static X509Certificate2 Load(string certificatePath, string? keyPath) =>
        certificatePath.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || certificatePath.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
            ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, keyPath is null ? null : File.ReadAllText(keyPath).Trim())
            : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

    /// <summary>The generated server certificate (created on first use, reused while valid for 30 more days).</summary>
    public static X509Certificate2 LoadOrCreateSelfSigned(string dataDirectory, TimeProvider time, out string caPath)
    {
        var dir = Path.Combine(dataDirectory, DirectoryName);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        caPath = Path.Combine(dir, CaFileName);
        var serverPath = Path.Combine(dir, ServerFileName);
        var now = time.GetUtcNow();
        if (File.Exists(serverPath) && File.Exists(caPath))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(serverPath, null);
            if (existing.NotAfter > now.AddDays(30).UtcDateTime)
            {
                return existing;
            }

            existing.Dispose();
        }

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=IamDb local CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca, now.AddMinutes(-5), now.AddYears(2), serial);
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        AccountBootstrap.WritePrivate(caPath, ca.ExportCertificatePem() + "\n");
        var pfx = withKey.Export(X509ContentType.Pkcs12);
        File.WriteAllBytes(serverPath, []);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(serverPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllBytes(serverPath, pfx);
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }
}
