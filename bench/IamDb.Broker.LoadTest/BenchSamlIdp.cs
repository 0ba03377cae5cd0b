using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace IamDb.Broker.LoadTest;

/// <summary>
/// The SAML identity provider of the <c>saml</c> scenario: a generated RSA-2048 key and self-signed certificate, the
/// metadata document <c>CreateSAMLProvider</c> takes, and Responses shaped as IdP apps made for AWS send them (one
/// Assertion with an enveloped RSA-SHA256 signature, exclusive c14n, audience and recipient AWS's sign-in URL), each with
/// fresh Response and Assertion IDs because the broker accepts an assertion once.
/// </summary>
internal sealed class BenchSamlIdp : IDisposable
{
    public const string EntityId = "https://idp.bench.example/saml";
    private const string AwsSignIn = "https://signin.aws.amazon.com/saml";
    private const string AwsAttributes = "https://aws.amazon.com/SAML/Attributes/";

    private readonly RSA _key = RSA.Create(2048);

    public BenchSamlIdp()
    {
        var now = DateTimeOffset.UtcNow;
        var request = new CertificateRequest("CN=IamDb bench SAML IdP", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>IdP metadata naming <see cref="Certificate"/> as the signing key.</summary>
    public string MetadataXml() => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{EntityId}">
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{Convert.ToBase64String(Certificate.RawData)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
            <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.bench.example/sso"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """;

    /// <summary>
    /// A base64 signed Response for <paramref name="user"/> offering <paramref name="roleArn"/> through
    /// <paramref name="providerArn"/>, valid for <paramref name="lifetime"/>. Thread-safe (RSA signing is).
    /// </summary>
    public string SignedResponse(string roleArn, string providerArn, string user, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow;
        var assertionId = "_a" + Guid.NewGuid().ToString("N");
        var xml = $"""
            <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{Guid.NewGuid():N}" Version="2.0" IssueInstant="{Time(now)}" Destination="{AwsSignIn}">
              <saml:Issuer>{EntityId}</saml:Issuer>
              <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
              <saml:Assertion ID="{assertionId}" Version="2.0" IssueInstant="{Time(now)}">
                <saml:Issuer>{EntityId}</saml:Issuer>
                <saml:Subject>
                  <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{SecurityElement.Escape(user)}</saml:NameID>
                  <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
                    <saml:SubjectConfirmationData NotOnOrAfter="{Time(now + lifetime)}" Recipient="{AwsSignIn}"/>
                  </saml:SubjectConfirmation>
                </saml:Subject>
                <saml:Conditions NotBefore="{Time(now.AddSeconds(-5))}" NotOnOrAfter="{Time(now + lifetime)}"><saml:AudienceRestriction><saml:Audience>{AwsSignIn}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
                <saml:AuthnStatement AuthnInstant="{Time(now)}" SessionIndex="{assertionId}">
                  <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
                </saml:AuthnStatement>
                <saml:AttributeStatement>{Attribute("Role", $"{roleArn},{providerArn}")}{Attribute("RoleSessionName", user)}{Attribute("PrincipalTag:RedshiftDbGroups", "analysts")}</saml:AttributeStatement>
              </saml:Assertion>
            </samlp:Response>
            """;
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(xml);
        var assertion = (XmlElement)document.GetElementsByTagName("Assertion", "urn:oasis:names:tc:SAML:2.0:assertion")[0]!;

        var signed = new SignedXml(document) { SigningKey = _key };
        signed.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signed.SignedInfo.SignatureMethod = SignedXml.XmlDsigRSASHA256Url;
        var reference = new Reference("#" + assertionId) { DigestMethod = SignedXml.XmlDsigSHA256Url };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signed.AddReference(reference);
        signed.KeyInfo = new KeyInfo();
        signed.KeyInfo.AddClause(new KeyInfoX509Data(Certificate));
        signed.ComputeSignature();

        // The signature goes right after the assertion's Issuer, where the SAML schema puts it.
        var issuer = assertion.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer");
        assertion.InsertAfter(document.ImportNode(signed.GetXml(), deep: true), issuer);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(document.OuterXml));
    }

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }

    private static string Attribute(string name, string value) =>
        $"""<saml:Attribute Name="{AwsAttributes}{name}"><saml:AttributeValue>{SecurityElement.Escape(value)}</saml:AttributeValue></saml:Attribute>""";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
