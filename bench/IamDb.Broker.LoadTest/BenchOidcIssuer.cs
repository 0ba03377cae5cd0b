using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.LoadTest;

/// <summary>
/// The OpenID Connect issuer of the <c>web-identity</c> scenario, in the generator's process: Kestrel on a loopback
/// HTTPS port with a self-signed certificate (the broker trusts it by its SHA-1 thumbprint, as registered on the
/// provider), discovery at <c>/.well-known/openid-configuration</c> and one RSA key at <c>/jwks</c>. It counts key-set
/// fetches, so the run can show that the broker served the measured window from its key cache.
/// </summary>
internal sealed class BenchOidcIssuer : IAsyncDisposable
{
    public const string Audience = "sts.amazonaws.com";
    private const string Kid = "bench-key-1";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly RSA _key = RSA.Create(2048);
    private int _jwksFetches;

    private BenchOidcIssuer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        _certificate = certificate;
    }

    /// <summary><c>https://127.0.0.1:PORT/bench</c>, the <c>iss</c> of its tokens.</summary>
    public string IssuerUrl { get; private set; } = "";

    /// <summary>The provider url as IAM keeps it (host:port/path), the prefix of its condition keys.</summary>
    public string HostAndPath => IssuerUrl["https://".Length..];

#pragma warning disable CA5350 // IAM thumbprints are SHA-1 by definition
    public string Thumbprint => Convert.ToHexString(SHA1.HashData(_certificate.RawData));
#pragma warning restore CA5350

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public static async Task<BenchOidcIssuer> StartAsync()
    {
        var now = DateTimeOffset.UtcNow;
        using var tlsKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=IamDb bench OIDC issuer", tlsKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        // Kestrel on Linux wants a certificate whose key came from a PKCS#12 load, not an ephemeral one.
        var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var issuer = new BenchOidcIssuer(app, certificate);
        app.MapGet("/bench/.well-known/openid-configuration", () => Results.Text(
            new JsonObject
            {
                ["issuer"] = issuer.IssuerUrl,
                ["jwks_uri"] = issuer.IssuerUrl + "/jwks",
                ["response_types_supported"] = new JsonArray("id_token"),
                ["subject_types_supported"] = new JsonArray("public"),
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            }.ToJsonString(),
            "application/json"));
        app.MapGet("/bench/jwks", () =>
        {
            Interlocked.Increment(ref issuer._jwksFetches);
            var p = issuer._key.ExportParameters(false);
            var key = new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = Kid, ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) };
            return Results.Text(new JsonObject { ["keys"] = new JsonArray(key) }.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        issuer.IssuerUrl = $"https://127.0.0.1:{new Uri(app.Urls.First()).Port}/bench";
        return issuer;
    }

    /// <summary>An RS256 token for <paramref name="subject"/>, audience <see cref="Audience"/>, valid for <paramref name="lifetime"/>.</summary>
    public string Sign(string subject, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = Kid, ["typ"] = "JWT" };
        var claims = new JsonObject
        {
            ["iss"] = IssuerUrl,
            ["sub"] = subject,
            ["aud"] = Audience,
            ["iat"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        var input = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return input + "." + B64(_key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
