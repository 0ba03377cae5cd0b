using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using IamDb.Federation.Jose;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Benchmarks;

/// <summary>
/// Reading and verifying an RS256 ID token (2048-bit key) with the key set already parsed, as the broker does once its
/// key cache is warm: the shape the broker load test's issuer signs (iss, sub, aud, iat, nbf, exp, jti).
/// </summary>
[MemoryDiagnoser]
public class WebIdentityVerifierBenchmarks
{
    private const string Issuer = "https://127.0.0.1:8443/bench";
    private const string Audience = "sts.amazonaws.com";

    private string _token = null!;
    private JsonWebKeySet _keys = null!;
    private WebIdentityExpectations _expected = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        using var key = RSA.Create(2048);
        var p = key.ExportParameters(false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = "bench-key-1",
                ["n"] = B64(p.Modulus!),
                ["e"] = B64(p.Exponent!),
            }),
        };
        if (!JsonWebKeySet.TryParse(jwks.ToJsonString(), out var keys, out var error))
        {
            throw new InvalidOperationException(error);
        }

        _keys = keys;
        _now = DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = "bench-key-1", ["typ"] = "JWT" };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = "system:serviceaccount:bench:worker",
            ["aud"] = Audience,
            ["iat"] = _now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["nbf"] = _now.AddSeconds(-5).ToUnixTimeSeconds(),
            ["exp"] = _now.AddHours(1).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        var input = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        _token = input + "." + B64(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        if (!OidcProviderUrl.TryParse(Issuer, out var url, out var urlError))
        {
            throw new InvalidOperationException(urlError);
        }

        _expected = new WebIdentityExpectations(url, [Audience]);
        if (!ReadAndVerify())
        {
            throw new InvalidOperationException("the bench token does not verify");
        }
    }

    /// <summary>What AssumeRoleWithWebIdentity does with the token once it has the keys: read it, then verify it.</summary>
    [Benchmark]
    public bool ReadAndVerify() =>
        JwtReader.TryRead(_token, out var jwt, out _) && WebIdentityTokenVerifier.TryVerify(jwt, _keys, _expected, _now, out _, out _);

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
