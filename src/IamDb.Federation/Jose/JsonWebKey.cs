using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace IamDb.Federation.Jose;

/// <summary>
/// One public signing key from a JSON Web Key Set (RFC 7517): an RSA key (<c>n</c>, <c>e</c>) or an EC key on
/// P-256/P-384 (<c>x</c>, <c>y</c>). Only the public parts are kept; private members in the document are ignored.
/// </summary>
/// <remarks>
/// Importing a key costs several times a verification (about 140 µs against 20 µs for RSA-2048 here), so each key
/// keeps a small pool of imported instances. A pool rather than one shared instance: .NET does not promise that one
/// <see cref="RSA"/> or <see cref="ECDsa"/> may be used by several threads at once.
/// </remarks>
internal sealed class JsonWebKey
{
    /// <summary>How many imported instances a key keeps for reuse; more concurrent callers import their own.</summary>
    private const int PoolLimit = 16;

    private readonly ConcurrentQueue<AsymmetricAlgorithm> _pool = new();

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

    /// <summary>
    /// Checks a signature made with this key: RSASSA-PKCS1-v1_5 for RSA, raw r||s (IEEE P1363) for ECDSA. The caller
    /// has checked the algorithm fits the key.
    /// </summary>
    public bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, HashAlgorithmName hash)
    {
        AsymmetricAlgorithm? algorithm = null;
        try
        {
            algorithm = _pool.TryDequeue(out var pooled) ? pooled : Import();
            return algorithm is RSA rsa
                ? rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1)
                : ((ECDsa)algorithm).VerifyData(data, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            // A key the platform will not import (only possible for keys not loaded through JsonWebKeySet) verifies nothing.
            return false;
        }
        finally
        {
            if (algorithm is not null)
            {
                Return(algorithm);
            }
        }
    }

    /// <summary>
    /// Imports the key once to check that the platform accepts it (an EC point must be on its curve, an RSA key
    /// well formed), keeping the instance for <see cref="VerifySignature"/>. False when the import fails.
    /// </summary>
    public bool TryLoad()
    {
        try
        {
            Return(Import());
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private AsymmetricAlgorithm Import() =>
        RsaParameters is { } rsa ? RSA.Create(rsa) : ECDsa.Create(EcParameters!.Value);

    private void Return(AsymmetricAlgorithm algorithm)
    {
        if (_pool.Count < PoolLimit)
        {
            _pool.Enqueue(algorithm);
        }
        else
        {
            algorithm.Dispose();
        }
    }

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
