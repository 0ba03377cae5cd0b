using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

public sealed class SamlMetadataTests : IDisposable
{
    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();
    private readonly TestSamlIdp _other = TestSamlIdp.Ecdsa(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _idp.Dispose();
        _other.Dispose();
    }

    private static string Error(string xml)
    {
        var result = SamlMetadata.Parse(xml);
        Assert.Null(result.Metadata);
        return Assert.IsType<string>(result.Error);
    }

    [Fact]
    public void Metadata_yields_the_entity_id_and_every_signing_certificate()
    {
        var result = SamlMetadata.Parse(TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate, _other.Certificate));

        Assert.Null(result.Error);
        Assert.Equal(TestSamlIdp.EntityId, result.Metadata!.EntityId);
        Assert.Equal([_idp.Certificate.Thumbprint, _other.Certificate.Thumbprint], result.Metadata.SigningCertificates.Select(c => c.Thumbprint));
        Assert.Null(result.Metadata.ValidUntil);
    }

    [Fact]
    public void Encryption_keys_are_not_signing_keys_and_a_KeyDescriptor_without_use_is_one()
    {
        var xml = TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate, _other.Certificate);
        var first = xml.IndexOf("use=\"signing\"", StringComparison.Ordinal);
        xml = string.Concat(xml.AsSpan(0, first), "use=\"encryption\"", xml.AsSpan(first + "use=\"signing\"".Length));
        xml = xml.Replace(" use=\"signing\"", "", StringComparison.Ordinal);

        var metadata = SamlMetadata.Parse(xml).Metadata!;
        Assert.Equal([_other.Certificate.Thumbprint], metadata.SigningCertificates.Select(c => c.Thumbprint));
    }

    [Fact]
    public void ValidUntil_is_read_and_an_EntitiesDescriptor_with_one_entity_is_accepted()
    {
        var xml = TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate)
            .Replace("entityID=", "validUntil=\"2027-01-31T00:00:00Z\" entityID=", StringComparison.Ordinal);
        var body = xml[(xml.IndexOf("?>", StringComparison.Ordinal) + 2)..];
        var wrapped = $"<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{body}</md:EntitiesDescriptor>";

        var metadata = SamlMetadata.Parse(wrapped).Metadata!;
        Assert.Equal(new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero), metadata.ValidUntil);
        Assert.Equal(TestSamlIdp.EntityId, metadata.EntityId);
    }

    [Fact]
    public void A_DTD_or_external_entity_is_refused()
    {
        var xml = TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate);
        var body = xml[(xml.IndexOf("?>", StringComparison.Ordinal) + 2)..];
        Assert.Contains("contains a DTD", Error("<!DOCTYPE md [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>" + body.Replace(TestSamlIdp.EntityId, "&x;", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Documents_that_describe_no_usable_identity_provider_are_refused_with_the_reason()
    {
        Assert.Contains("not well-formed", Error("<md:EntityDescriptor"), StringComparison.Ordinal);
        Assert.Contains("root element must be md:EntityDescriptor", Error("<EntityDescriptor entityID=\"x\"/>"), StringComparison.Ordinal);
        Assert.Contains("no entityID", Error(TestSamlIdp.MetadataXml("", _idp.Certificate)), StringComparison.Ordinal);
        Assert.Contains("no signing certificate", Error(TestSamlIdp.MetadataXml(TestSamlIdp.EntityId)), StringComparison.Ordinal);
        Assert.Contains(
            "no IDPSSODescriptor",
            Error(TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate).Replace("IDPSSODescriptor", "SPSSODescriptor", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        var badCertificate = TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate)
            .Replace("<ds:X509Certificate>", "<ds:X509Certificate>AAAA", StringComparison.Ordinal);
        Assert.Contains("not a base64 DER certificate", Error(badCertificate), StringComparison.Ordinal);
        Assert.Contains("longer than", Error(new string(' ', SamlMetadata.MaxDocumentCharacters + 1)), StringComparison.Ordinal);
    }
}
