using System.Security.Cryptography;

namespace IamDb.Federation.Jose;

/// <summary>
/// The JWS signature algorithms we accept: RSASSA-PKCS1-v1_5 (RS256/384/512) and ECDSA on P-256/P-384 (ES256/384),
/// which is what OpenID Connect providers sign ID tokens with. Everything else is refused by name: <c>none</c>,
/// the HMAC family (a public key must never become a shared secret), RSASSA-PSS and anything unknown.
/// </summary>
internal sealed class JwsAlgorithm
{
    private JwsAlgorithm(string name, string keyType, string? curve, HashAlgorithmName hash, int ecFieldBytes)
    {
        Name = name;
        KeyType = keyType;
        Curve = curve;
        Hash = hash;
        EcFieldBytes = ecFieldBytes;
    }

    /// <summary>The <c>alg</c> header value, e.g. <c>RS256</c>.</summary>
    public string Name { get; }

    /// <summary>The JWK <c>kty</c> a key must have to verify this algorithm: <c>RSA</c> or <c>EC</c>.</summary>
    public string KeyType { get; }

    /// <summary>For ECDSA the JWK <c>crv</c> the key must be on; null for RSA.</summary>
    public string? Curve { get; }

    /// <summary>The digest the signature is over.</summary>
    public HashAlgorithmName Hash { get; }

    /// <summary>For ECDSA the byte length of r and of s in the raw r||s signature; 0 for RSA.</summary>
    public int EcFieldBytes { get; }

    /// <summary>The accepted algorithms, by name.</summary>
    public static IReadOnlyDictionary<string, JwsAlgorithm> Supported { get; } = new Dictionary<string, JwsAlgorithm>(StringComparer.Ordinal)
    {
        ["RS256"] = new("RS256", "RSA", null, HashAlgorithmName.SHA256, 0),
        ["RS384"] = new("RS384", "RSA", null, HashAlgorithmName.SHA384, 0),
        ["RS512"] = new("RS512", "RSA", null, HashAlgorithmName.SHA512, 0),
        ["ES256"] = new("ES256", "EC", "P-256", HashAlgorithmName.SHA256, 32),
        ["ES384"] = new("ES384", "EC", "P-384", HashAlgorithmName.SHA384, 48),
    };

    /// <summary>True when <paramref name="key"/> is of the type (and curve) this algorithm needs and does not name another algorithm.</summary>
    public bool Fits(JsonWebKey key) =>
        key.KeyType == KeyType
        && (Curve is null || key.Curve == Curve)
        && (key.Algorithm is null || key.Algorithm == Name);

    /// <summary>Checks <paramref name="signature"/> over <paramref name="signingInput"/> with <paramref name="key"/>, which must <see cref="Fits"/>.</summary>
    public bool Verify(JsonWebKey key, ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        if (!Fits(key))
        {
            return false;
        }

        if (KeyType == "RSA")
        {
            // A PKCS#1 signature is exactly as long as the modulus; anything else is malformed.
            if (signature.Length != key.RsaParameters!.Value.Modulus!.Length)
            {
                return false;
            }

            return key.VerifySignature(signingInput, signature, Hash);
        }

        // JOSE ECDSA signatures are raw r||s of fixed width (RFC 7518 §3.4), never DER.
        if (signature.Length != 2 * EcFieldBytes)
        {
            return false;
        }

        return key.VerifySignature(signingInput, signature, Hash);
    }
}
