using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;

namespace IamDb.Federation.Saml;

/// <summary>
/// Verifies, without <c>SignedXml</c>, an enveloped signature of the one shape identity providers send: exclusive c14n
/// for <c>SignedInfo</c>; one <c>Reference</c> to the signed element's own ID with exactly the transforms
/// enveloped-signature then exclusive c14n (either c14n with or without an InclusiveNamespaces prefix list); an allowed
/// digest and signature method; nothing in the <c>Signature</c> but <c>SignedInfo</c>, <c>SignatureValue</c> and an
/// optional (ignored) <c>KeyInfo</c>. <c>SignedXml</c> costs several times more than the signature check itself (it
/// re-serializes and re-parses the signed element, searches the document for IDs, builds transforms by reflection and
/// parses the certificate in <c>KeyInfo</c>); this computes the same two canonical forms with
/// <see cref="ExclusiveCanonicalizer"/> straight from the parsed document. Anything off that shape is not judged here:
/// the caller's <c>SignedXml</c> path does, with its own checks and messages.
/// </summary>
internal static class PlainEnvelopedSignature
{
    /// <summary>The largest canonicalization buffer a thread keeps between responses.</summary>
    private const int MaxKeptBuffer = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    /// <summary>What <see cref="TryVerify"/> found.</summary>
    public enum Outcome
    {
        /// <summary>Not the plain shape: verify it another way.</summary>
        NotPlain,

        /// <summary>The digest matches and a metadata certificate's key verifies the signature.</summary>
        Verified,

        /// <summary>The digest does not match the signed element, or no metadata certificate verifies the signature.</summary>
        Refused,
    }

    /// <summary>
    /// Verifies <paramref name="signature"/>, a direct child of <paramref name="signedElement"/> whose ID is
    /// <paramref name="id"/>, against <paramref name="certificates"/>. The signature and digest methods must be in
    /// <paramref name="signatureMethods"/> and <paramref name="digestMethods"/>.
    /// </summary>
    public static Outcome TryVerify(
        XmlElement signature, XmlElement signedElement, string id, IReadOnlyList<X509Certificate2> certificates,
        IReadOnlySet<string> signatureMethods, IReadOnlySet<string> digestMethods)
    {
        if (!TryReadShape(signature, id, signatureMethods, digestMethods, out var shape))
        {
            return Outcome.NotPlain;
        }

        // One buffer per thread, reused: allocating a fresh one per response cost more than the canonicalization.
        var buffer = _buffer ?? new ArrayBufferWriter<byte>(16 * 1024);
        _buffer = null;
        try
        {
            return Verify(signature, signedElement, certificates, shape, buffer);
        }
        finally
        {
            buffer.Clear();
            if (buffer.Capacity <= MaxKeptBuffer)
            {
                _buffer = buffer;
            }
        }
    }

    private static Outcome Verify(
        XmlElement signature, XmlElement signedElement, IReadOnlyList<X509Certificate2> certificates, Shape shape, ArrayBufferWriter<byte> buffer)
    {
        if (!ExclusiveCanonicalizer.TryWrite(signedElement, signature, shape.ReferencePrefixes, buffer))
        {
            return Outcome.NotPlain;
        }

        Span<byte> digest = stackalloc byte[64];
        var digestLength = shape.DigestMethod switch
        {
            SamlNames.Sha384 => SHA384.HashData(buffer.WrittenSpan, digest),
            SamlNames.Sha512 => SHA512.HashData(buffer.WrittenSpan, digest),
            _ => SHA256.HashData(buffer.WrittenSpan, digest),
        };
        if (!CryptographicOperations.FixedTimeEquals(digest[..digestLength], shape.DigestValue))
        {
            return Outcome.Refused;
        }

        buffer.ResetWrittenCount();
        if (!ExclusiveCanonicalizer.TryWrite(shape.SignedInfo, null, shape.SignedInfoPrefixes, buffer))
        {
            return Outcome.NotPlain;
        }

        var hash = shape.SignatureMethod switch
        {
            SamlNames.RsaSha384 or SamlNames.EcdsaSha384 => HashAlgorithmName.SHA384,
            SamlNames.RsaSha512 or SamlNames.EcdsaSha512 => HashAlgorithmName.SHA512,
            _ => HashAlgorithmName.SHA256,
        };
        var ecdsa = shape.SignatureMethod is SamlNames.EcdsaSha256 or SamlNames.EcdsaSha384 or SamlNames.EcdsaSha512;
        var state = (Data: buffer, shape.SignatureValue, Hash: hash);
        foreach (var certificate in certificates)
        {
            if (CertificateKeys.TryUse(certificate, ecdsa, state, static (key, s) => Check(key, s.Data.WrittenSpan, s.SignatureValue, s.Hash)))
            {
                return Outcome.Verified;
            }
        }

        return Outcome.Refused;
    }

    private static bool Check(AsymmetricAlgorithm key, ReadOnlySpan<byte> data, byte[] signature, HashAlgorithmName hash)
    {
        try
        {
            return key is RSA rsa
                ? rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1)
                : ((ECDsa)key).VerifyData(data, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            // A signature value malformed for this key verifies nothing; the caller tries the next certificate.
            return false;
        }
    }

    private readonly record struct Shape(
        XmlElement SignedInfo, IReadOnlyList<string> SignedInfoPrefixes, string SignatureMethod, string DigestMethod, byte[] DigestValue,
        byte[] SignatureValue, IReadOnlyList<string> ReferencePrefixes);

    private static bool TryReadShape(
        XmlElement signature, string id, IReadOnlySet<string> signatureMethods, IReadOnlySet<string> digestMethods, out Shape shape)
    {
        shape = default;
        if (!TryChildren(signature, out var parts) || parts.Count is not (2 or 3)
            || !IsDsig(parts[0], "SignedInfo") || !IsDsig(parts[1], "SignatureValue") || (parts.Count == 3 && !IsDsig(parts[2], "KeyInfo")))
        {
            return false;
        }

        var signedInfo = parts[0];
        if (!TryChildren(signedInfo, out var info) || info.Count != 3
            || !IsDsig(info[0], "CanonicalizationMethod") || !IsDsig(info[1], "SignatureMethod") || !IsDsig(info[2], "Reference")
            || !IsExclusiveC14n(info[0], out var signedInfoPrefixes)
            || !IsEmptyAlgorithm(info[1], out var signatureMethod) || !signatureMethods.Contains(signatureMethod))
        {
            return false;
        }

        var reference = info[2];
        if (reference.GetAttribute("URI") != "#" + id
            || !TryChildren(reference, out var referenceParts) || referenceParts.Count != 3
            || !IsDsig(referenceParts[0], "Transforms") || !IsDsig(referenceParts[1], "DigestMethod") || !IsDsig(referenceParts[2], "DigestValue")
            || !IsEmptyAlgorithm(referenceParts[1], out var digestMethod) || !digestMethods.Contains(digestMethod)
            || !TryChildren(referenceParts[0], out var transforms) || transforms.Count != 2
            || !IsDsig(transforms[0], "Transform") || !IsEmptyAlgorithm(transforms[0], out var first) || first != SamlNames.EnvelopedSignature
            || !IsDsig(transforms[1], "Transform") || !IsExclusiveC14n(transforms[1], out var referencePrefixes))
        {
            return false;
        }

        if (!TryBase64(referenceParts[2], out var digestValue) || !TryBase64(parts[1], out var signatureValue))
        {
            return false;
        }

        shape = new Shape(signedInfo, signedInfoPrefixes, signatureMethod, digestMethod, digestValue, signatureValue, referencePrefixes);
        return true;
    }

    /// <summary>The element children; false when there is anything else but whitespace between them.</summary>
    private static bool TryChildren(XmlElement parent, out List<XmlElement> children)
    {
        children = new List<XmlElement>(3);
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
        {
            switch (node)
            {
                case XmlElement element:
                    children.Add(element);
                    break;
                case XmlWhitespace or XmlSignificantWhitespace:
                    break;
                case XmlText text when string.IsNullOrWhiteSpace(text.Value):
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A <c>CanonicalizationMethod</c> or <c>Transform</c> naming exclusive c14n, empty or holding one
    /// <c>ec:InclusiveNamespaces</c> (also empty) whose <c>PrefixList</c> gives <paramref name="prefixes"/>.
    /// </summary>
    private static bool IsExclusiveC14n(XmlElement element, out IReadOnlyList<string> prefixes)
    {
        prefixes = [];
        if (element.GetAttribute("Algorithm") != SamlNames.ExclusiveC14n || !TryChildren(element, out var children))
        {
            return false;
        }

        if (children.Count == 0)
        {
            return true;
        }

        var list = children[0];
        if (children.Count != 1 || list.LocalName != "InclusiveNamespaces" || list.NamespaceURI != SamlNames.ExclusiveC14n
            || !TryChildren(list, out var inner) || inner.Count != 0)
        {
            return false;
        }

        prefixes = list.GetAttribute("PrefixList")
            .Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p == "#default" ? "" : p)
            .ToList();
        return true;
    }

    /// <summary>An element with an <c>Algorithm</c> attribute and no content but whitespace.</summary>
    private static bool IsEmptyAlgorithm(XmlElement element, out string algorithm)
    {
        algorithm = element.GetAttribute("Algorithm");
        return algorithm.Length > 0 && TryChildren(element, out var children) && children.Count == 0;
    }

    private static bool TryBase64(XmlElement element, out byte[] value)
    {
        value = [];
        var text = "";
        for (var node = element.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is not (XmlText or XmlWhitespace or XmlSignificantWhitespace))
            {
                return false;
            }

            text += node.Value;
        }

        try
        {
            value = Convert.FromBase64String(text);
            return value.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsDsig(XmlElement element, string localName) =>
        element.LocalName == localName && element.NamespaceURI == SamlNames.XmlDsig;
}
