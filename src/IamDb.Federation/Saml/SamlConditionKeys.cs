using System.Security.Cryptography;
using System.Text;

namespace IamDb.Federation.Saml;

/// <summary>
/// The IAM condition keys AWS sets for <c>sts:AssumeRoleWithSAML</c>, from a verified assertion: <c>SAML:aud</c>,
/// <c>SAML:iss</c>, <c>SAML:sub</c>, <c>SAML:sub_type</c>, <c>SAML:namequalifier</c>, <c>SAML:doc</c>, and the
/// keys AWS derives from well-known attribute names (eduPerson, cn, mail, uid, ...).
/// </summary>
internal static class SamlConditionKeys
{
    // Attribute names (by OID, as SAML 2.0 IdPs send them) that AWS exposes as SAML:* keys.
    private static readonly (string Oid, string Key)[] WellKnownAttributes =
    [
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "SAML:edupersonaffiliation"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.2", "SAML:edupersonnickname"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.3", "SAML:edupersonorgdn"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.4", "SAML:edupersonorgunitdn"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.5", "SAML:edupersonprimaryaffiliation"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "SAML:edupersonprincipalname"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.7", "SAML:edupersonentitlement"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.8", "SAML:edupersonprimaryorgunitdn"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.9", "SAML:edupersonscopedaffiliation"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.10", "SAML:edupersontargetedid"),
        ("urn:oid:1.3.6.1.4.1.5923.1.1.1.11", "SAML:edupersonassurance"),
        ("urn:oid:1.3.6.1.4.1.5923.1.2.1.2", "SAML:eduorghomepageuri"),
        ("urn:oid:1.3.6.1.4.1.5923.1.2.1.3", "SAML:eduorgidentityauthnpolicyuri"),
        ("urn:oid:1.3.6.1.4.1.5923.1.2.1.4", "SAML:eduorglegalname"),
        ("urn:oid:1.3.6.1.4.1.5923.1.2.1.5", "SAML:eduorgsuperioruri"),
        ("urn:oid:1.3.6.1.4.1.5923.1.2.1.6", "SAML:eduorgwhitepagesuri"),
        ("urn:oid:2.5.4.3", "SAML:cn"),
        ("urn:oid:2.5.4.4", "SAML:surname"),
        ("urn:oid:2.5.4.41", "SAML:name"),
        ("urn:oid:2.5.4.42", "SAML:givenName"),
        ("urn:oid:2.5.4.45", "SAML:x500UniqueIdentifier"),
        ("urn:oid:0.9.2342.19200300.100.1.1", "SAML:uid"),
        ("urn:oid:0.9.2342.19200300.100.1.3", "SAML:mail"),
    ];

    /// <summary>
    /// The condition keys for a session from <paramref name="assertion"/> through the SAML provider
    /// <paramref name="providerName"/> of account <paramref name="accountId"/>. Keys are as AWS spells them; policy
    /// key matching is case-insensitive.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> For(VerifiedSamlAssertion assertion, string accountId, string providerName)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            // AWS documents SAML:aud as the Recipient the assertion was presented to, not the Audience element.
            ["SAML:aud"] = [assertion.Recipient],
            ["SAML:iss"] = [assertion.Issuer],
            ["SAML:sub"] = [assertion.NameId],
            ["SAML:sub_type"] = [assertion.SubjectType],
            ["SAML:namequalifier"] = [NameQualifier(assertion.Issuer, accountId, providerName)],
            ["SAML:doc"] = [$"{accountId}/{providerName}"],
        };
        foreach (var (oid, key) in WellKnownAttributes)
        {
            if (assertion.Attributes.TryGetValue(oid, out var values) && values.Count > 0)
            {
                keys[key] = values;
            }
        }

        return keys;
    }

    /// <summary>
    /// AWS's <c>NameQualifier</c>: <c>BASE64(SHA1(issuer + accountId + "/" + providerName))</c>. With
    /// <see cref="VerifiedSamlAssertion.NameId"/> it identifies a user uniquely across providers.
    /// </summary>
    public static string NameQualifier(string issuer, string accountId, string providerName)
    {
        // SHA-1 here is AWS's published identifier formula, not a security mechanism.
#pragma warning disable CA5350
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(issuer + accountId + "/" + providerName));
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }
}
