using System.Security.Cryptography;

namespace IamDb.Federation.Saml;

/// <summary>
/// ECDSA for <c>SignedXml</c>, which knows only RSA and DSA out of the box: the XML-DSig <c>ecdsa-sha256/384/512</c>
/// methods (RFC 4051), signature values in the r‖s form that <see cref="ECDsa"/> produces.
/// </summary>
internal abstract class EcdsaSignatureDescription : SignatureDescription
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        CryptoConfig.AddAlgorithm(typeof(Sha256), SamlNames.EcdsaSha256);
        CryptoConfig.AddAlgorithm(typeof(Sha384), SamlNames.EcdsaSha384);
        CryptoConfig.AddAlgorithm(typeof(Sha512), SamlNames.EcdsaSha512);
        return true;
    });

    private readonly HashAlgorithmName hash;

    private EcdsaSignatureDescription(HashAlgorithmName hash)
    {
        this.hash = hash;
        KeyAlgorithm = typeof(ECDsa).AssemblyQualifiedName;
        DigestAlgorithm = hash.Name;
    }

    /// <summary>Makes the three methods known to <c>SignedXml</c> (once per process; idempotent).</summary>
    public static void Register() => _ = Registered.Value;

    /// <inheritdoc/>
    public override HashAlgorithm CreateDigest() => hash.Name switch
    {
        "SHA384" => SHA384.Create(),
        "SHA512" => SHA512.Create(),
        _ => SHA256.Create(),
    };

    /// <inheritdoc/>
    public override AsymmetricSignatureDeformatter CreateDeformatter(AsymmetricAlgorithm key) => new Deformatter(key);

    /// <inheritdoc/>
    public override AsymmetricSignatureFormatter CreateFormatter(AsymmetricAlgorithm key) => new Formatter(key);

    private sealed class Sha256() : EcdsaSignatureDescription(HashAlgorithmName.SHA256);

    private sealed class Sha384() : EcdsaSignatureDescription(HashAlgorithmName.SHA384);

    private sealed class Sha512() : EcdsaSignatureDescription(HashAlgorithmName.SHA512);

    private sealed class Deformatter(AsymmetricAlgorithm key) : AsymmetricSignatureDeformatter
    {
        private ECDsa ecdsa = (ECDsa)key;

        public override void SetKey(AsymmetricAlgorithm key) => ecdsa = (ECDsa)key;

        public override void SetHashAlgorithm(string strName)
        {
        }

        public override bool VerifySignature(byte[] rgbHash, byte[] rgbSignature) => ecdsa.VerifyHash(rgbHash, rgbSignature);
    }

    private sealed class Formatter(AsymmetricAlgorithm key) : AsymmetricSignatureFormatter
    {
        private ECDsa ecdsa = (ECDsa)key;

        public override void SetKey(AsymmetricAlgorithm key) => ecdsa = (ECDsa)key;

        public override void SetHashAlgorithm(string strName)
        {
        }

        public override byte[] CreateSignature(byte[] rgbHash) => ecdsa.SignHash(rgbHash);
    }
}
