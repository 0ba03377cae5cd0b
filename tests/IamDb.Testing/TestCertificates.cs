using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Testing;

/// <summary>A certificate and its private key as PEM text.</summary>
/// <param name="CertificatePem">The certificate.</param>
/// <param name="PrivateKeyPem">Its PKCS#8 private key.</param>
public sealed record PemPair(string CertificatePem, string PrivateKeyPem);

/// <summary>Throwaway CAs and server certificates for TLS tests, made with <see cref="CertificateRequest"/>.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed CA valid from an hour ago for a year.</summary>
    public static PemPair CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));
        return new PemPair(ca.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// A server certificate for <paramref name="dnsNames"/> and <paramref name="addresses"/>, issued by <paramref name="ca"/>
    /// (self-signed when null), valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.
    /// </summary>
    public static PemPair CreateServer(
        PemPair? ca, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, DateTimeOffset notBefore, DateTimeOffset notAfter, string subject = "CN=iamdb test server")
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        ArgumentNullException.ThrowIfNull(addresses);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            names.AddDnsName(dns);
        }

        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        if (ca is null)
        {
            using var self = request.CreateSelfSigned(notBefore, notAfter);
            return new PemPair(self.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }

        using var caCertificate = X509Certificate2.CreateFromPem(ca.CertificatePem, ca.PrivateKeyPem);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        // An issued certificate may not outlive its issuer.
        var until = notAfter < caCertificate.NotAfter ? notAfter : new DateTimeOffset(caCertificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var issued = request.Create(caCertificate, notBefore, until, serial);
        return new PemPair(issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
