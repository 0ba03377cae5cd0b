using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Broker.Tests.Actions.IdentityProviders;

/// <summary>SAML 2.0 identity provider metadata documents with freshly generated signing certificates.</summary>
internal static class SamlMetadataDocuments
{
    /// <summary>Two documents made once per test run (key generation is slow): an identity provider and its rotation.</summary>
    public static string First { get; } = Create("https://idp.example/saml", "2030-01-01T00:00:00Z");

    public static string Rotated { get; } = Create("https://idp.example/saml", "2031-06-30T12:00:00Z");

    /// <summary>A metadata document for <paramref name="entityId"/> with one RSA signing certificate.</summary>
    public static string Create(string entityId, string? validUntil = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=idp.example", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        return WithCertificate(entityId, Convert.ToBase64String(certificate.RawData), validUntil);
    }

    /// <summary>A metadata document whose signing certificate element holds <paramref name="certificateBase64"/> as is.</summary>
    public static string WithCertificate(string entityId, string certificateBase64, string? validUntil = null) =>
        $"""
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entityId}"{(validUntil is null ? "" : $" validUntil=\"{validUntil}\"")}>
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing">
              <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
                <ds:X509Data><ds:X509Certificate>{certificateBase64}</ds:X509Certificate></ds:X509Data>
              </ds:KeyInfo>
            </md:KeyDescriptor>
            <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """;
}
