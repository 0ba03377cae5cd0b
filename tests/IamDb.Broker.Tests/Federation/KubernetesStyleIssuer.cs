using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using IamDb.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// A Kubernetes-style OpenID Connect issuer served by the test: Kestrel on a loopback HTTPS port with a self-signed
/// certificate (registered on the provider by its SHA-1 thumbprint), the discovery document at
/// <c>/.well-known/openid-configuration</c> under the issuer path and the keys at <c>/openid/v1/jwks</c>, as the
/// Kubernetes API server serves them; tokens are signed here with a generated RSA key (the signer is written here,
/// so tests can also sign what a real issuer never would).
/// </summary>
internal sealed class KubernetesStyleIssuer : IAsyncDisposable
{
    public const string Audience = "sts.amazonaws.com";

    private readonly WebApplication _app;
    private readonly X509Certificate2 _certificate;
    private readonly List<(string Kid, RSA Key)> _published = [];
    private int _jwksRequests;

    private KubernetesStyleIssuer(WebApplication app, X509Certificate2 certificate, string issuer)
    {
        _app = app;
        _certificate = certificate;
        IssuerUrl = issuer;
    }

    /// <summary><c>https://127.0.0.1:PORT/PATH</c> (with a trailing slash if asked for), the <c>iss</c> of its tokens.</summary>
    public string IssuerUrl { get; }

    /// <summary>The provider's url as IAM keeps it: <c>127.0.0.1:PORT/PATH</c> (the ARN suffix and condition-key prefix).</summary>
    public string HostAndPath => IssuerUrl["https://".Length..];

    /// <summary>The SHA-1 thumbprint of its certificate, as <c>CreateOpenIDConnectProvider</c> takes it.</summary>
#pragma warning disable CA5350 // IAM thumbprints are SHA-1 by definition
    public string Thumbprint => Convert.ToHexString(SHA1.HashData(_certificate.RawData));
#pragma warning restore CA5350

    /// <summary>How many times its key set was fetched.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>The key id tokens are signed with by default.</summary>
    public string CurrentKid => _published[^1].Kid;

    /// <summary>Starts the issuer; <paramref name="trailingSlash"/> makes its issuer end with <c>/</c>, as Auth0's does.</summary>
    public static async Task<KubernetesStyleIssuer> StartAsync(string path = "/k8s/cluster-1", bool trailingSlash = false)
    {
        var now = DateTimeOffset.UtcNow;
        var pem = TestCertificates.CreateServer(null, ["localhost"], [IPAddress.Loopback], now.AddHours(-1), now.AddDays(1), "CN=test oidc issuer");
        using var ephemeral = X509Certificate2.CreateFromPem(pem.CertificatePem, pem.PrivateKeyPem);
        var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();

        // Routes are mapped before the start; the issuer (whose URL needs the port) is filled in right after it.
        KubernetesStyleIssuer? self = null;
        app.MapGet(path + "/.well-known/openid-configuration", () => Results.Text(
            new JsonObject
            {
                ["issuer"] = self!.IssuerUrl,
                ["jwks_uri"] = self.IssuerUrl.TrimEnd('/') + "/openid/v1/jwks",
                ["response_types_supported"] = new JsonArray("id_token"),
                ["subject_types_supported"] = new JsonArray("public"),
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            }.ToJsonString(),
            "application/json"));
        app.MapGet(path + "/openid/v1/jwks", () =>
        {
            Interlocked.Increment(ref self!._jwksRequests);
            return Results.Text(self.JwksJson(), "application/json");
        });
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        var issuer = new KubernetesStyleIssuer(app, certificate, $"https://127.0.0.1:{port}{path}{(trailingSlash ? "/" : "")}");
        issuer.RotateKey("key-1");
        self = issuer;
        return issuer;
    }

    /// <summary>Publishes a new signing key (kept alongside the old ones) and signs with it from now on.</summary>
    public void RotateKey(string kid)
    {
        lock (_published)
        {
            _published.Add((kid, RSA.Create(2048)));
        }
    }

    /// <summary>The claims of a projected service-account token for <paramref name="serviceAccount"/>, valid for ten minutes.</summary>
    public JsonObject Claims(string serviceAccount = "system:serviceaccount:ci:builder", string? audience = Audience)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new JsonObject
        {
            ["iss"] = IssuerUrl,
            ["sub"] = serviceAccount,
            ["iat"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
            ["kubernetes.io"] = new JsonObject { ["namespace"] = "ci", ["serviceaccount"] = new JsonObject { ["name"] = "builder" } },
        };
        if (audience is not null)
        {
            claims["aud"] = new JsonArray(audience);
        }

        return claims;
    }

    /// <summary>An RS256 token over <paramref name="claims"/>, signed with the current key (or the key named <paramref name="kid"/>).</summary>
    public string Sign(JsonObject claims, string? kid = null)
    {
        var (keyId, key) = kid is null ? _published[^1] : _published.Single(k => k.Kid == kid);
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = keyId, ["typ"] = "JWT" };
        return Compact(header.ToJsonString(), claims.ToJsonString(), input => key.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>A token with the current key's id but signed with a key the issuer never published.</summary>
    public string SignWithUnpublishedKey(JsonObject claims, string kid)
    {
        using var stranger = RSA.Create(2048);
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = kid, ["typ"] = "JWT" };
        return Compact(header.ToJsonString(), claims.ToJsonString(), input => stranger.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>An unsigned token (<c>alg: none</c>, empty signature).</summary>
    public static string Unsigned(JsonObject claims) =>
        Compact(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }.ToJsonString(), claims.ToJsonString(), _ => []);

    /// <summary>The classic confusion attack: HS256 with the issuer's public RSA key (its SubjectPublicKeyInfo bytes) as the HMAC secret.</summary>
    public string SignHs256WithPublicKey(JsonObject claims)
    {
        var (kid, key) = _published[^1];
        var secret = Encoding.ASCII.GetBytes(key.ExportSubjectPublicKeyInfoPem());
        var header = new JsonObject { ["alg"] = "HS256", ["kid"] = kid, ["typ"] = "JWT" };
        return Compact(header.ToJsonString(), claims.ToJsonString(), input => HMACSHA256.HashData(secret, input));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        lock (_published)
        {
            foreach (var (_, key) in _published)
            {
                key.Dispose();
            }
        }
    }

    private string JwksJson()
    {
        var keys = new JsonArray();
        lock (_published)
        {
            foreach (var (kid, key) in _published)
            {
                var p = key.ExportParameters(false);
                keys.Add(new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = kid, ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) });
            }
        }

        return new JsonObject { ["keys"] = keys }.ToJsonString();
    }

    private static string Compact(string headerJson, string claimsJson, Func<byte[], byte[]> sign)
    {
        var input = B64(Encoding.UTF8.GetBytes(headerJson)) + "." + B64(Encoding.UTF8.GetBytes(claimsJson));
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
