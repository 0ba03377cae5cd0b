namespace IamDb.Federation.Saml;

/// <summary>The XML namespaces, URIs and AWS attribute names SAML verification works with.</summary>
internal static class SamlNames
{
    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Metadata = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string XmlDsig = "http://www.w3.org/2000/09/xmldsig#";

    public const string StatusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success";
    public const string BearerConfirmation = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    public const string NameIdFormat20Prefix = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
    public const string NameIdFormatUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

    public const string ExclusiveC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    public const string RsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    public const string EcdsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    public const string EcdsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";

    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    public const string Sha512 = "http://www.w3.org/2001/04/xmlenc#sha512";

    public const string AwsAttributePrefix = "https://aws.amazon.com/SAML/Attributes/";
    public const string RoleAttribute = AwsAttributePrefix + "Role";
    public const string RoleSessionNameAttribute = AwsAttributePrefix + "RoleSessionName";
    public const string SessionDurationAttribute = AwsAttributePrefix + "SessionDuration";
    public const string SourceIdentityAttribute = AwsAttributePrefix + "SourceIdentity";
    public const string PrincipalTagAttributePrefix = AwsAttributePrefix + "PrincipalTag:";
    public const string TransitiveTagKeysAttribute = AwsAttributePrefix + "TransitiveTagKeys";
}
