using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IamDb.Federation.Jose;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Tests.WebIdentity;

/// <summary>
/// A test-side identity provider: generated RSA and EC keys, its JWKS document, and a small signer for compact JWS
/// written here (not a library), so tests can also sign what a real provider never would.
/// </summary>
internal sealed class TestIdentityProvider : IDisposable
{
    public const string IssuerUrl = "https://idp.example:8443/realms/dev";
    public const string ClientId = "iamdb-cli";
    public const string RsaKid = "rsa-1";
    public const string Ec256Kid = "ec256-1";
    public const string Ec384Kid = "ec384-1";

    /// <summary>Fixed "now" for every test: the verifier never reads a clock.</summary>
    public static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public RSA Rsa { get; } = RSA.Create(2048);

    public ECDsa Ec256 { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public ECDsa Ec384 { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public static OidcProviderUrl Provider { get; } = OidcProviderUrl.TryParse(IssuerUrl, out var p, out _) ? p : throw new InvalidOperationException();

    public static WebIdentityExpectations Expectations { get; } = new(Provider, [ClientId, "other-app"]);

    public string JwksJson() => new JsonObject
    {
        ["keys"] = new JsonArray(RsaJwk(Rsa, RsaKid), EcJwk(Ec256, Ec256Kid, "P-256"), EcJwk(Ec384, Ec384Kid, "P-384")),
    }.ToJsonString();

    public JsonWebKeySet Keys() => JsonWebKeySet.TryParse(JwksJson(), out var keys, out var error) ? keys : throw new InvalidOperationException(error);

    public static JsonObject RsaJwk(RSA rsa, string? kid)
    {
        var p = rsa.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) };
        if (kid is not null)
        {
            jwk["kid"] = kid;
        }

        return jwk;
    }

    public static JsonObject EcJwk(ECDsa ec, string? kid, string curve)
    {
        var p = ec.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "EC", ["crv"] = curve, ["x"] = B64(p.Q.X!), ["y"] = B64(p.Q.Y!) };
        if (kid is not null)
        {
            jwk["kid"] = kid;
        }

        return jwk;
    }

    /// <summary>Claims of a good token, valid for ten minutes around <see cref="Now"/>.</summary>
    public static JsonObject Claims() => new()
    {
        ["iss"] = IssuerUrl,
        ["sub"] = "user-42",
        ["aud"] = ClientId,
        ["iat"] = Now.AddMinutes(-1).ToUnixTimeSeconds(),
        ["nbf"] = Now.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = Now.AddMinutes(9).ToUnixTimeSeconds(),
    };

    /// <summary>A token signed with the key that fits <paramref name="alg"/> (RS*, ES256, ES384).</summary>
    public string Sign(JsonObject claims, string alg = "RS256", string? kid = "default")
    {
        kid = kid == "default" ? (alg.StartsWith("RS", StringComparison.Ordinal) ? RsaKid : alg == "ES256" ? Ec256Kid : Ec384Kid) : kid;
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        return SignWith(header, claims, alg);
    }

    /// <summary>Signs with an explicit header; the signing key follows <paramref name="keyAlg"/>.</summary>
    public string SignWith(JsonObject header, JsonObject claims, string keyAlg) =>
        Compact(header, claims, input => keyAlg switch
        {
            "RS256" => Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "RS384" => Rsa.SignData(input, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
            "RS512" => Rsa.SignData(input, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
            "PS256" => Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
            "ES256" => Ec256.SignData(input, HashAlgorithmName.SHA256),
            "ES384" => Ec384.SignData(input, HashAlgorithmName.SHA384),
            _ => throw new ArgumentOutOfRangeException(nameof(keyAlg)),
        });

    /// <summary>header.payload.signature with any signing function.</summary>
    public static string Compact(JsonObject header, JsonObject claims, Func<byte[], byte[]> sign) =>
        CompactRaw(header.ToJsonString(), claims.ToJsonString(), sign);

    /// <summary>Like <see cref="Compact"/> from raw JSON texts (for duplicate members and other malformed JSON).</summary>
    public static string CompactRaw(string headerJson, string claimsJson, Func<byte[], byte[]> sign)
    {
        var input = B64(Encoding.UTF8.GetBytes(headerJson)) + "." + B64(Encoding.UTF8.GetBytes(claimsJson));
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Json(object value) => JsonSerializer.Serialize(value);

    public void Dispose()
    {
        Rsa.Dispose();
        Ec256.Dispose();
        Ec384.Dispose();
    }
}
