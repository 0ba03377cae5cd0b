using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

/// <summary>
/// A small SAML 2.0 identity provider for tests: a generated key and self-signed certificate, its metadata, and
/// Responses built and signed here with <see cref="SignedXml"/> the way IdPs do (exclusive c14n, enveloped signature).
/// </summary>
internal sealed class TestSamlIdp : IDisposable
{
    public const string EntityId = "https://idp.test.example/saml";
    public const string Account = "123456789012";
    public const string ProviderArn = "arn:aws:iam::123456789012:saml-provider/TestIdp";
    public const string RoleArn = "arn:aws:iam::123456789012:role/Analyst";

    public static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly AsymmetricAlgorithm _key;

    private TestSamlIdp(AsymmetricAlgorithm key, X509Certificate2 certificate)
    {
        _key = key;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    public bool IsEcdsa => _key is ECDsa;

    public static TestSamlIdp Rsa(int bits = 2048)
    {
        var rsa = RSA.Create(bits);
        var request = new CertificateRequest("CN=Test SAML IdP", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new TestSamlIdp(rsa, request.CreateSelfSigned(Now.AddYears(-1), Now.AddYears(1)));
    }

    public static TestSamlIdp Ecdsa(ECCurve curve)
    {
        var ecdsa = ECDsa.Create(curve);
        var request = new CertificateRequest("CN=Test SAML IdP (EC)", ecdsa, HashAlgorithmName.SHA256);
        return new TestSamlIdp(ecdsa, request.CreateSelfSigned(Now.AddYears(-1), Now.AddYears(1)));
    }

    public string DefaultSignatureMethod => IsEcdsa ? SamlNames.EcdsaSha256 : SamlNames.RsaSha256;

    /// <summary>Metadata naming this IdP's certificate (and, for rotation tests, others too).</summary>
    public static string MetadataXml(string entityId, params X509Certificate2[] certificates)
    {
        var keys = new StringBuilder();
        foreach (var certificate in certificates)
        {
            keys.Append($"""
                    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{Convert.ToBase64String(certificate.RawData)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
                """);
        }

        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entityId}">
              <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            {keys}
                <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
                <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test.example/sso"/>
              </md:IDPSSODescriptor>
            </md:EntityDescriptor>
            """;
    }

    public SamlMetadata Metadata()
    {
        var result = SamlMetadata.Parse(MetadataXml(EntityId, Certificate));
        return result.Metadata ?? throw new InvalidOperationException(result.Error);
    }

    /// <summary>An unsigned Response document with one Assertion, from <paramref name="spec"/>.</summary>
    public static XmlDocument Build(ResponseSpec spec)
    {
        var attributes = new StringBuilder();
        foreach (var (name, values) in spec.Attributes)
        {
            attributes.Append($"""<saml:Attribute Name="{name}">""");
            foreach (var value in values)
            {
                attributes.Append($"""<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">{SecurityElement(value)}</saml:AttributeValue>""");
            }

            attributes.Append("</saml:Attribute>");
        }

        var audience = spec.Audience is null
            ? ""
            : $"<saml:AudienceRestriction><saml:Audience>{spec.Audience}</saml:Audience></saml:AudienceRestriction>";
        var destination = spec.Destination is null ? "" : $""" Destination="{spec.Destination}" """;
        var format = spec.NameIdFormat is null ? "" : $""" Format="{spec.NameIdFormat}" """;
        var xml = $"""
            <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{spec.ResponseId}" Version="2.0" IssueInstant="{Time(spec.IssueInstant)}"{destination}>
              <saml:Issuer>{spec.ResponseIssuer ?? spec.Issuer}</saml:Issuer>
              <samlp:Status><samlp:StatusCode Value="{spec.Status}"/></samlp:Status>
              <saml:Assertion ID="{spec.AssertionId}" Version="2.0" IssueInstant="{Time(spec.IssueInstant)}">
                <saml:Issuer>{spec.Issuer}</saml:Issuer>
                <saml:Subject>
                  <saml:NameID{format}>{spec.NameId}</saml:NameID>
                  <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
                    <saml:SubjectConfirmationData NotOnOrAfter="{Time(spec.ConfirmationNotOnOrAfter)}" Recipient="{spec.Recipient}"/>
                  </saml:SubjectConfirmation>
                </saml:Subject>
                <saml:Conditions NotBefore="{Time(spec.NotBefore)}" NotOnOrAfter="{Time(spec.NotOnOrAfter)}">{audience}</saml:Conditions>
                <saml:AuthnStatement AuthnInstant="{Time(spec.IssueInstant)}" SessionIndex="{spec.AssertionId}">
                  <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
                </saml:AuthnStatement>
                <saml:AttributeStatement>{attributes}</saml:AttributeStatement>
              </saml:Assertion>
            </samlp:Response>
            """;
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(xml);
        return document;
    }

    private static string SecurityElement(string value) => System.Security.SecurityElement.Escape(value)!;

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Signs <paramref name="element"/> (which must carry an ID) with an enveloped signature placed after its Issuer.</summary>
    public void Sign(
        XmlElement element,
        string? signatureMethod = null,
        string digestMethod = SamlNames.Sha256,
        string canonicalization = SamlNames.ExclusiveC14n,
        Transform[]? transforms = null,
        string? referenceUri = null,
        AsymmetricAlgorithm? withKey = null,
        X509Certificate2? keyInfoCertificate = null)
    {
        var document = element.OwnerDocument;
        var signed = new SignedXml(document) { SigningKey = withKey ?? _key };
        signed.SignedInfo!.CanonicalizationMethod = canonicalization;
        signed.SignedInfo.SignatureMethod = signatureMethod ?? DefaultSignatureMethod;
        var reference = new Reference(referenceUri ?? "#" + element.GetAttribute("ID")) { DigestMethod = digestMethod };
        foreach (var transform in transforms ?? [new XmlDsigEnvelopedSignatureTransform(), new XmlDsigExcC14NTransform()])
        {
            reference.AddTransform(transform);
        }

        signed.AddReference(reference);
        signed.KeyInfo = new KeyInfo();
        signed.KeyInfo.AddClause(new KeyInfoX509Data(keyInfoCertificate ?? Certificate));
        signed.ComputeSignature();
        var signature = document.ImportNode(signed.GetXml(), deep: true);
        var issuer = element.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer");
        element.InsertAfter(signature, issuer);
    }

    public static string Encode(XmlDocument document) => Convert.ToBase64String(Encoding.UTF8.GetBytes(document.OuterXml));

    public static XmlElement Response(XmlDocument document) => document.DocumentElement!;

    public static XmlElement Assertion(XmlDocument document) =>
        (XmlElement)document.GetElementsByTagName("Assertion", SamlNames.Assertion)[0]!;

    public static XmlElement NameId(XmlDocument document) =>
        (XmlElement)document.GetElementsByTagName("NameID", SamlNames.Assertion)[0]!;

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}

/// <summary>What a test Response says; the defaults make a valid response for <see cref="TestSamlIdp.Now"/>.</summary>
internal sealed record ResponseSpec
{
    /// <summary>A valid response at <paramref name="now"/> (issued five seconds earlier, usable for five minutes).</summary>
    public static ResponseSpec At(DateTimeOffset now) => new()
    {
        IssueInstant = now.AddSeconds(-5),
        NotBefore = now.AddSeconds(-5),
        NotOnOrAfter = now.AddMinutes(5),
        ConfirmationNotOnOrAfter = now.AddMinutes(5),
    };

    public string ResponseId { get; init; } = "_resp" + Guid.NewGuid().ToString("N");
    public string AssertionId { get; init; } = "_assert" + Guid.NewGuid().ToString("N");
    public string Issuer { get; init; } = TestSamlIdp.EntityId;
    public string? ResponseIssuer { get; init; }
    public string Status { get; init; } = "urn:oasis:names:tc:SAML:2.0:status:Success";
    public string? Destination { get; init; } = SamlExpectations.AwsSignInUrl;
    public string NameId { get; init; } = "ada@example.com";
    public string? NameIdFormat { get; init; } = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    public string Recipient { get; init; } = SamlExpectations.AwsSignInUrl;
    public string? Audience { get; init; } = SamlExpectations.AwsSignInUrl;
    public DateTimeOffset IssueInstant { get; init; } = TestSamlIdp.Now.AddSeconds(-5);
    public DateTimeOffset NotBefore { get; init; } = TestSamlIdp.Now.AddSeconds(-5);
    public DateTimeOffset NotOnOrAfter { get; init; } = TestSamlIdp.Now.AddMinutes(5);
    public DateTimeOffset ConfirmationNotOnOrAfter { get; init; } = TestSamlIdp.Now.AddMinutes(5);

    public IReadOnlyList<(string Name, string[] Values)> Attributes { get; init; } =
    [
        (SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.ProviderArn}"]),
        (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
    ];
}
