using IamDb.Aws.Query;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.IdentityProviders;

/// <summary>
/// The parameters, ARN checks and error wording shared by the OIDC and SAML provider actions: the model's constraints
/// (<c>iam.service-2.json</c>) first, then IAM's own rules as <c>InvalidInput</c>/<c>LimitExceeded</c>.
/// </summary>
internal static class IdentityProviderRules
{
    public const string OidcArnParameter = "OpenIDConnectProviderArn";

    public const string SamlArnParameter = "SAMLProviderArn";

    /// <summary><c>OpenIDConnectProviderUrlType</c>.</summary>
    public static StringConstraints Url { get; } = new(1, 255);

    /// <summary><c>clientIDType</c>.</summary>
    public static StringConstraints ClientId { get; } = new(1, 255);

    /// <summary><c>thumbprintType</c>: 40 characters; IAM also wants them hexadecimal (a SHA-1 digest).</summary>
    public static StringConstraints Thumbprint { get; } = new(40, 40);

    /// <summary><c>SAMLProviderNameType</c>.</summary>
    public static StringConstraints SamlName { get; } = new(1, 128, @"[\w._-]+");

    /// <summary><c>SAMLMetadataDocumentType</c>.</summary>
    public static StringConstraints SamlMetadataDocument { get; } = new(1000, 10_000_000);

    /// <summary>The caller's account's OIDC provider ARN from the request; NoSuchEntity-ready, InvalidInput when not one.</summary>
    public static string RequireOidcArn(ActionContext context, string arn)
    {
        var prefix = $"arn:aws:iam::{context.Request.Caller.AccountId}:oidc-provider/";
        if (!arn.StartsWith("arn:aws:iam::", StringComparison.Ordinal) || !arn.Contains(":oidc-provider/", StringComparison.Ordinal))
        {
            throw IamErrors.InvalidArn(arn);
        }

        // Another account's provider is not visible here, as in AWS: it cannot be found.
        return arn.StartsWith(prefix, StringComparison.Ordinal) ? arn : throw NoSuchOidcProvider(arn);
    }

    /// <summary>The caller's account's SAML provider ARN from the request.</summary>
    public static string RequireSamlArn(ActionContext context, string arn)
    {
        var prefix = $"arn:aws:iam::{context.Request.Caller.AccountId}:saml-provider/";
        if (!arn.StartsWith("arn:aws:iam::", StringComparison.Ordinal) || !arn.Contains(":saml-provider/", StringComparison.Ordinal))
        {
            throw IamErrors.InvalidArn(arn);
        }

        return arn.StartsWith(prefix, StringComparison.Ordinal) ? arn : throw NoSuchSamlProvider(arn);
    }

    public static AwsErrorException NoSuchOidcProvider(string arn) => IamErrors.NoSuchEntity($"OpenIDConnect Provider not found for arn {arn}");

    public static AwsErrorException NoSuchSamlProvider(string arn) => IamErrors.NoSuchEntity($"Manifest not found for arn {arn}");

    /// <summary>Thumbprints checked beyond the model's length: hexadecimal, at most five, duplicates dropped.</summary>
    public static IReadOnlyList<string> CheckThumbprints(IReadOnlyList<string>? thumbprints)
    {
        if (thumbprints is null)
        {
            return [];
        }

        foreach (var thumbprint in thumbprints)
        {
            if (!thumbprint.All(char.IsAsciiHexDigit))
            {
                throw IamErrors.InvalidInput(
                    $"Thumbprint {thumbprint} is not valid: a thumbprint is the 40 hexadecimal characters of the SHA-1 digest of a certificate.");
            }
        }

        var distinct = thumbprints.Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > IdentityProviderLimits.ThumbprintsPerProvider)
        {
            throw IamErrors.LimitExceeded($"Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {IdentityProviderLimits.ThumbprintsPerProvider}.");
        }

        return distinct;
    }

    /// <summary>Client ids with duplicates dropped (in first-seen order), at most 100.</summary>
    public static IReadOnlyList<string> CheckClientIds(IEnumerable<string> clientIds)
    {
        var distinct = clientIds.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > IdentityProviderLimits.ClientIdsPerProvider)
        {
            throw IamErrors.LimitExceeded($"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {IdentityProviderLimits.ClientIdsPerProvider}.");
        }

        return distinct;
    }

    /// <summary>
    /// Checks a SAML metadata document with the verifier's own parser (the certificates it yields are the ones assertions
    /// are checked against, so a document it cannot use is refused now, not at sign-in) and returns its validUntil.
    /// </summary>
    public static DateTimeOffset? CheckMetadata(string document)
    {
        var parsed = IamDb.Federation.Saml.SamlMetadata.Parse(document);
        if (parsed.Metadata is not { } metadata)
        {
            throw IamErrors.InvalidInput(parsed.Error ?? "The SAML metadata document is not valid.");
        }

        foreach (var certificate in metadata.SigningCertificates)
        {
            certificate.Dispose();
        }

        return metadata.ValidUntil;
    }

    /// <summary>IamDb keeps no private keys: encrypted assertions are not supported (the key itself is never echoed).</summary>
    public static void RefuseAssertionEncryption(QueryParameterReader reader)
    {
        if (reader.Contains("AddPrivateKey") || reader.Contains("RemovePrivateKey") || reader.Contains("AssertionEncryptionMode"))
        {
            throw IamErrors.InvalidInput(
                "IamDb does not support encrypted SAML assertions: leave out AssertionEncryptionMode, AddPrivateKey and RemovePrivateKey "
                + "and have the identity provider sign, not encrypt, its assertions.");
        }
    }
}
