using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Hosting;

/// <summary>HTTPS with an operator's certificate, and <c>aws:SecureTransport</c> true exactly over TLS.</summary>
public sealed class TlsTests
{
    private const string OnlyOverTls =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}""";

    [Fact]
    public async Task ConfiguredPemCertificate_ServesHttps_AndSecureTransportIsTrueOnlyOverTls()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-tls-").FullName;
        using var certificate = CreateCertificate(dir, out var certPath, out var keyPath);
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add("http://127.0.0.1:0");
            o.Urls.Add("https://127.0.0.1:0");
            o.TlsCertificatePath = certPath;
            o.TlsKeyPath = keyPath;
        });
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", OnlyOverTls);
        var https = broker.Host.Addresses.Single(a => a.Scheme == Uri.UriSchemeHttps);
        using var client = new HttpClient(new HttpClientHandler
        {
            // Trust exactly the configured certificate.
            ServerCertificateCustomValidationCallback = (_, served, _, _) => served is not null && served.Thumbprint == certificate.Thumbprint,
        });

        var overHttp = await broker.CallAsync("iam", "GetUser", credentials: key);
        var (status, body) = await CallAsync(client, https, key, "Action=GetUser&Version=2010-05-08");

        Assert.Equal(Uri.UriSchemeHttp, broker.Host.BaseAddress.Scheme);
        Assert.Equal(HttpStatusCode.Forbidden, overHttp.Status);
        Assert.Equal("AccessDenied", overHttp.ErrorCode);
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Contains($"<Arn>{user.Arn}</Arn>", body, StringComparison.Ordinal);
    }

    private static X509Certificate2 CreateCertificate(string dir, out string certPath, out string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=iamdb test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        certPath = Path.Combine(dir, "server.pem");
        keyPath = Path.Combine(dir, "server.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    private static async Task<(HttpStatusCode Status, string Body)> CallAsync(HttpClient client, Uri endpoint, SigningCredentials key, string form)
    {
        var body = Encoding.UTF8.GetBytes(form);
        var headers = new List<KeyValuePair<string, string>> { new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8") };
        var signature = SigV4Signer.SignHeaders(SigV4Request.FromUri("POST", endpoint, headers, body), key, "us-east-1", "iam", DateTimeOffset.UtcNow);
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
