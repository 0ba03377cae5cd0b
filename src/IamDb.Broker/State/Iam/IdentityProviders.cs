namespace IamDb.Broker.State.Iam;

/// <summary>
/// An IAM OpenID Connect provider. <see cref="Url"/> is the issuer without its scheme, <c>host[:port][/path]</c>, exactly
/// as it appears after <c>oidc-provider/</c> in <see cref="Arn"/> and before <c>:sub</c> in condition keys.
/// </summary>
internal sealed record OpenIdConnectProvider(
    string Arn,
    string Url,
    IReadOnlyList<string> ClientIds,
    IReadOnlyList<string> Thumbprints,
    IReadOnlyList<Tag> Tags,
    DateTimeOffset CreateDate)
{
    /// <summary>The account in <see cref="Arn"/>.</summary>
    public string AccountId => IdentityProviderArns.AccountOf(Arn);
}

/// <summary>
/// An IAM SAML provider: the identity provider's metadata document, whose signing certificates assertions are verified
/// against. <see cref="ValidUntil"/> is the metadata's <c>validUntil</c>, if it has one.
/// </summary>
internal sealed record SamlProvider(
    string Arn,
    string Name,
    string MetadataDocument,
    DateTimeOffset CreateDate,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<Tag> Tags)
{
    /// <summary>The account in <see cref="Arn"/>.</summary>
    public string AccountId => IdentityProviderArns.AccountOf(Arn);
}

/// <summary>The ARNs of identity providers.</summary>
internal static class IdentityProviderArns
{
    /// <summary><c>arn:aws:iam::ACCOUNT:oidc-provider/host[:port][/path]</c>.</summary>
    public static string OpenIdConnect(string accountId, string url) => $"arn:aws:iam::{accountId}:oidc-provider/{url}";

    /// <summary><c>arn:aws:iam::ACCOUNT:saml-provider/NAME</c>.</summary>
    public static string Saml(string accountId, string name) => $"arn:aws:iam::{accountId}:saml-provider/{name}";

    /// <summary>The account field of an IAM ARN (the fifth, colon-separated); empty when it has none.</summary>
    public static string AccountOf(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts[4] : string.Empty;
    }
}

/// <summary>
/// The one spelling of an OIDC provider's url that ARNs, condition keys and the issuer lookup use: an <c>https://</c>
/// url (or a token's <c>iss</c>) without its scheme, the host lower-cased, the default port 443 dropped, and no trailing
/// slash: <c>host[:port][/path]</c>.
/// </summary>
internal static class OpenIdConnectUrls
{
    /// <summary>The normalized url, or null with a sentence saying what is wrong (for IAM's <c>InvalidInput</c>).</summary>
    public static string? Normalize(string url, out string? error)
    {
        ArgumentNullException.ThrowIfNull(url);
        error = null;
        const string Scheme = "https://";
        if (!url.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = "The OpenID Connect provider URL must begin with https://.";
            return null;
        }

        var rest = url[Scheme.Length..];
        if (rest.IndexOfAny(['?', '#', '@', ' ', '\\']) >= 0 || rest.Any(char.IsControl))
        {
            error = "The OpenID Connect provider URL must not contain a query, a fragment, user information or spaces.";
            return null;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? string.Empty : rest[slash..].TrimEnd('/');
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 || authority.EndsWith(']') ? authority : authority[..colon];
        var port = colon < 0 || authority.EndsWith(']') ? null : authority[(colon + 1)..];
        if (host.Length == 0 || Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            error = "The OpenID Connect provider URL has no valid host name.";
            return null;
        }

        var number = 443;
        if (port is not null && (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number)
            || number is < 1 or > 65535))
        {
            error = "The OpenID Connect provider URL has an invalid port.";
            return null;
        }

        if (path.Contains("//", StringComparison.Ordinal))
        {
            error = "The OpenID Connect provider URL has an empty path segment.";
            return null;
        }

        var keptPort = number == 443 ? string.Empty : ":" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return host.ToLowerInvariant() + keptPort + path;
    }
}

/// <summary>
/// The account's identity providers. Nothing about them is cached in the broker: every federated sign-in reads its
/// provider in its own unit of work, so a deleted or changed provider is refused or used by every node at once.
/// </summary>
internal interface IIdentityProviderReader
{
    /// <summary>The OIDC provider with that ARN (exact, case-sensitive), or null.</summary>
    Task<OpenIdConnectProvider?> GetOpenIdConnectProviderAsync(string arn, CancellationToken cancellationToken);

    /// <summary>The account's OIDC provider for an issuer, by its <c>host[:port][/path]</c> url (exact), or null.</summary>
    Task<OpenIdConnectProvider?> FindOpenIdConnectProviderByUrlAsync(string accountId, string url, CancellationToken cancellationToken);

    /// <summary>The account's OIDC providers in ARN order (at most <see cref="IdentityProviderLimits.ProvidersPerAccount"/>).</summary>
    Task<IReadOnlyList<OpenIdConnectProvider>> ListOpenIdConnectProvidersAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>The SAML provider with that ARN (exact, case-sensitive), or null.</summary>
    Task<SamlProvider?> GetSamlProviderAsync(string arn, CancellationToken cancellationToken);

    /// <summary>The account's SAML providers in ARN order (at most <see cref="IdentityProviderLimits.ProvidersPerAccount"/>).</summary>
    Task<IReadOnlyList<SamlProvider>> ListSamlProvidersAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>
/// Changes to identity providers. Adding or removing one client id, updating thumbprints and tagging are a read and an
/// <c>Update…</c> in one write unit of work (serializable, so two concurrent changes never lose one another).
/// </summary>
internal interface IIdentityProviderWriter : IIdentityProviderReader
{
    /// <exception cref="EntityAlreadyExistsException">a provider with that ARN exists.</exception>
    /// <exception cref="StateLimitExceededException">the account already has 100 OIDC providers.</exception>
    Task<OpenIdConnectProvider> CreateOpenIdConnectProviderAsync(OpenIdConnectProvider provider, CancellationToken cancellationToken);

    /// <summary>Replaces client ids, thumbprints and tags of the provider with that ARN; false if there is none.</summary>
    Task<bool> UpdateOpenIdConnectProviderAsync(OpenIdConnectProvider provider, CancellationToken cancellationToken);

    /// <summary>Deletes the provider; false if there is none.</summary>
    Task<bool> DeleteOpenIdConnectProviderAsync(string arn, CancellationToken cancellationToken);

    /// <exception cref="EntityAlreadyExistsException">a provider with that ARN exists.</exception>
    /// <exception cref="StateLimitExceededException">the account already has 100 SAML providers.</exception>
    Task<SamlProvider> CreateSamlProviderAsync(SamlProvider provider, CancellationToken cancellationToken);

    /// <summary>Replaces metadata document, valid-until and tags of the provider with that ARN; false if there is none.</summary>
    Task<bool> UpdateSamlProviderAsync(SamlProvider provider, CancellationToken cancellationToken);

    /// <summary>Deletes the provider and its remembered assertions; false if there is none.</summary>
    Task<bool> DeleteSamlProviderAsync(string arn, CancellationToken cancellationToken);

    /// <summary>
    /// Remembers that the assertion <paramref name="assertionId"/> of a provider was used, until
    /// <paramref name="expires"/>: true the first time, false while an earlier use is remembered (in this transaction
    /// or a committed one, on any node). An earlier use whose time has passed (before <paramref name="now"/>) no longer
    /// counts. Expired rows are pruned opportunistically here, a bounded number per call, so the table stays as small as
    /// the assertions still live; no reaper is involved.
    /// </summary>
    Task<bool> TryRecordSamlAssertionAsync(
        string providerArn, string assertionId, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>IAM's quotas for identity providers.</summary>
internal static class IdentityProviderLimits
{
    /// <summary>OIDC providers per account, and SAML providers per account (IAM's default quota for each).</summary>
    public const int ProvidersPerAccount = 100;

    /// <summary>Client ids (audiences) per OIDC provider.</summary>
    public const int ClientIdsPerProvider = 100;

    /// <summary>Thumbprints per OIDC provider.</summary>
    public const int ThumbprintsPerProvider = 5;
}
