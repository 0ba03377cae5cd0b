using System.Security.Cryptography;

namespace IamDb.Federation.Jose;

/// <summary>
/// One public signing key from a JSON Web Key Set (RFC 7517): an RSA key (<c>n</c>, <c>e</c>) or an EC key on
/// P-256/P-384 (<c>x</c>, <c>y</c>). Only the public parts are kept; private members in the document are ignored.
/// </summary>
internal sealed class JsonWebKey
{
    private JsonWebKey(string? keyId, string keyType, string? curve, string? algorithm, RSAParameters? rsa, ECParameters? ec)
    {
        KeyId = keyId;
        KeyType = keyType;
        Curve = curve;
        Algorithm = algorithm;
        RsaParameters = rsa;
        EcParameters = ec;
    }

    /// <summary>The key's <c>kid</c>, if it has one.</summary>
    public string? KeyId { get; }

    /// <summary><c>RSA</c> or <c>EC</c>.</summary>
    public string KeyType { get; }

    /// <summary>For EC keys the curve, <c>P-256</c> or <c>P-384</c>; null for RSA.</summary>
    public string? Curve { get; }

    /// <summary>The key's <c>alg</c> when the set pins it to one algorithm; null when it does not.</summary>
    public string? Algorithm { get; }

    /// <summary>The RSA public key (modulus, exponent), for RSA keys.</summary>
    public RSAParameters? RsaParameters { get; }

    /// <summary>The EC public point and curve, for EC keys.</summary>
    public ECParameters? EcParameters { get; }

    /// <summary>The smallest RSA modulus we accept, in bits; shorter keys can be factored.</summary>
    public const int MinimumRsaBits = 2048;

    /// <summary>The largest RSA modulus we accept, in bits; bounds the work one hostile key can cost.</summary>
    public const int MaximumRsaBits = 8192;

    /// <summary>An RSA public key.</summary>
    public static JsonWebKey ForRsa(string? keyId, string? algorithm, byte[] modulus, byte[] exponent) =>
        new(keyId, "RSA", null, algorithm, new RSAParameters { Modulus = modulus, Exponent = exponent }, null);

    /// <summary>An EC public key on <paramref name="curve"/> (<c>P-256</c> or <c>P-384</c>).</summary>
    public static JsonWebKey ForEc(string? keyId, string? algorithm, string curve, byte[] x, byte[] y) =>
        new(keyId, "EC", curve, algorithm, null, new ECParameters
        {
            Curve = curve == "P-256" ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = x, Y = y },
        });
}
