using System.Security.Cryptography.X509Certificates;
using System.Xml;

namespace IamDb.Federation.Saml;

/// <summary>
/// What a SAML provider's metadata document contributes to verification: the identity provider's entity id (the
/// <c>Issuer</c> its assertions must carry) and the certificates whose keys may sign them. An updated document
/// replaces both, which is how signing keys rotate.
/// </summary>
/// <param name="EntityId">The <c>EntityDescriptor/@entityID</c>.</param>
/// <param name="SigningCertificates">The certificates of the <c>IDPSSODescriptor</c>'s <c>KeyDescriptor</c>s whose
/// <c>use</c> is <c>signing</c> or absent; at least one.</param>
/// <param name="ValidUntil">The <c>EntityDescriptor/@validUntil</c>, when present (reported, not enforced, as in AWS).</param>
internal sealed record SamlMetadata(string EntityId, IReadOnlyList<X509Certificate2> SigningCertificates, DateTimeOffset? ValidUntil)
{
    /// <summary>AWS's upper bound for <c>SAMLMetadataDocument</c>, in characters.</summary>
    public const int MaxDocumentCharacters = 10_000_000;

    /// <summary>
    /// Reads a SAML 2.0 metadata document (root <c>EntityDescriptor</c>, or an <c>EntitiesDescriptor</c> holding
    /// exactly one). DTDs and external entities are refused, nothing is resolved or fetched. Never throws: a document
    /// that cannot be used yields <see cref="SamlMetadataResult.Error"/>, a sentence for IAM's <c>InvalidInput</c>.
    /// </summary>
    public static SamlMetadataResult Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.Length > MaxDocumentCharacters)
        {
            return SamlMetadataResult.Fail($"The SAML metadata document is longer than {MaxDocumentCharacters} characters.");
        }

        var document = SecureXml.TryLoad(xml, MaxDocumentCharacters, out var loadError);
        if (document is null)
        {
            return SamlMetadataResult.Fail($"The SAML metadata document is not usable XML: {loadError}");
        }

        var root = document.DocumentElement!;
        XmlElement entity;
        if (IsMetadata(root, "EntityDescriptor"))
        {
            entity = root;
        }
        else if (IsMetadata(root, "EntitiesDescriptor"))
        {
            var entities = root.ChildNodes.OfType<XmlElement>().Where(e => IsMetadata(e, "EntityDescriptor")).ToList();
            if (entities.Count != 1)
            {
                return SamlMetadataResult.Fail("The SAML metadata document's EntitiesDescriptor must hold exactly one EntityDescriptor.");
            }

            entity = entities[0];
        }
        else
        {
            return SamlMetadataResult.Fail(
                $"The SAML metadata document's root element must be md:EntityDescriptor (namespace {SamlNames.Metadata}).");
        }

        var entityId = entity.GetAttribute("entityID").Trim();
        if (entityId.Length == 0)
        {
            return SamlMetadataResult.Fail("The SAML metadata document's EntityDescriptor has no entityID.");
        }

        var idps = entity.ChildNodes.OfType<XmlElement>().Where(e => IsMetadata(e, "IDPSSODescriptor")).ToList();
        if (idps.Count == 0)
        {
            return SamlMetadataResult.Fail("The SAML metadata document describes no identity provider (no IDPSSODescriptor).");
        }

        var certificates = new List<X509Certificate2>();
        foreach (var key in idps.SelectMany(i => i.ChildNodes.OfType<XmlElement>()).Where(e => IsMetadata(e, "KeyDescriptor")))
        {
            var use = key.GetAttribute("use");
            if (use.Length > 0 && use != "signing")
            {
                continue;
            }

            foreach (var data in key.GetElementsByTagName("X509Certificate", SamlNames.XmlDsig).OfType<XmlElement>())
            {
                try
                {
                    var der = Convert.FromBase64String(data.InnerText);
                    certificates.Add(X509CertificateLoader.LoadCertificate(der));
                }
                catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
                {
                    return SamlMetadataResult.Fail(
                        "The SAML metadata document holds an X509Certificate that is not a base64 DER certificate.");
                }
            }
        }

        if (certificates.Count == 0)
        {
            return SamlMetadataResult.Fail(
                "The SAML metadata document's IDPSSODescriptor has no signing certificate (KeyDescriptor use=\"signing\" with ds:X509Certificate).");
        }

        if (certificates.Any(c => c.GetRSAPublicKey() is null && c.GetECDsaPublicKey() is null))
        {
            return SamlMetadataResult.Fail("The SAML metadata document holds a signing certificate whose key is neither RSA nor ECDSA.");
        }

        DateTimeOffset? validUntil = null;
        var validUntilText = entity.GetAttribute("validUntil");
        if (validUntilText.Length > 0)
        {
            if (!SamlTime.TryParse(validUntilText, out var parsed))
            {
                return SamlMetadataResult.Fail("The SAML metadata document's validUntil is not an xs:dateTime.");
            }

            validUntil = parsed;
        }

        return new SamlMetadataResult(new SamlMetadata(entityId, certificates, validUntil), null);
    }

    private static bool IsMetadata(XmlElement element, string localName) =>
        element.LocalName == localName && element.NamespaceURI == SamlNames.Metadata;
}

/// <summary>The outcome of <see cref="SamlMetadata.Parse"/>: the metadata, or why the document was refused.</summary>
/// <param name="Metadata">The parsed metadata; null when refused.</param>
/// <param name="Error">A sentence for IAM's <c>InvalidInput</c>; null when parsed.</param>
internal sealed record SamlMetadataResult(SamlMetadata? Metadata, string? Error)
{
    internal static SamlMetadataResult Fail(string error) => new(null, error);
}
