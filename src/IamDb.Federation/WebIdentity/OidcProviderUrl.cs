using System.Diagnostics.CodeAnalysis;

namespace IamDb.Federation.WebIdentity;

/// <summary>
/// An OpenID Connect provider's identity in AWS's form, <c>host[:port][/path]</c>: what follows
/// <c>oidc-provider/</c> in the provider's ARN and what precedes <c>:sub</c>, <c>:aud</c>, <c>:amr</c> in condition keys.
/// Parsed from a provider URL or a token's <c>iss</c>, with or without <c>https://</c> (Google's <c>iss</c> is
/// <c>accounts.google.com</c>). Normal form: host in lower case, default port 443 dropped, any other port kept
/// (self-hosted providers listen on one), path kept as written (case-sensitive), a trailing slash included. AWS keeps
/// that slash too: <c>https://tenant.auth0.com/</c> (Auth0's <c>iss</c>) is the provider <c>tenant.auth0.com/</c> with
/// condition keys <c>tenant.auth0.com/:sub</c>, and it is another provider than <c>https://tenant.auth0.com</c>, so a
/// token's <c>iss</c> must be spelled as the provider was registered. Refused: any scheme but https, user info, query,
/// fragment, empty or dot path segments (so at most one trailing slash), characters outside RFC 3986, more than 255
/// characters.
/// </summary>
internal sealed record OidcProviderUrl
{
    /// <summary>The longest provider URL accepted, in characters (IAM's limit on <c>Url</c>).</summary>
    public const int MaximumLength = 255;

    private OidcProviderUrl(string hostAndPath, string host, int? port, string path)
    {
        HostAndPath = hostAndPath;
        Host = host;
        Port = port;
        Path = path;
    }

    /// <summary>The AWS form, e.g. <c>idp.example:8443/realms/dev</c>.</summary>
    public string HostAndPath { get; }

    /// <summary>The host name or address, lower case (IPv6 in brackets).</summary>
    public string Host { get; }

    /// <summary>The port when it is not 443; null otherwise.</summary>
    public int? Port { get; }

    /// <summary>The path, empty or starting with <c>/</c>; it ends with <c>/</c> when the URL did.</summary>
    public string Path { get; }

    /// <summary>The issuer URL, <c>https://host[:port][/path]</c>; discovery is at <see cref="DiscoveryUrl"/>.</summary>
    public string IssuerUrl => "https://" + HostAndPath;

    /// <summary>
    /// Where the provider's OpenID configuration is: <c>{issuer}/.well-known/openid-configuration</c>, the issuer's
    /// trailing slash removed first (OpenID Connect Discovery 1.0, section 4).
    /// </summary>
    public Uri DiscoveryUrl => new((Path.EndsWith('/') ? IssuerUrl[..^1] : IssuerUrl) + "/.well-known/openid-configuration");

    /// <summary>The provider's ARN in <paramref name="accountId"/>: <c>arn:aws:iam::ACCOUNT:oidc-provider/host[:port][/path]</c>.</summary>
    public string Arn(string accountId) => $"arn:aws:iam::{accountId}:oidc-provider/{HostAndPath}";

    /// <summary>The condition key for a claim, e.g. <c>idp.example:8443:sub</c>.</summary>
    public string ConditionKey(string claim) => $"{HostAndPath}:{claim}";

    /// <summary>The AWS form.</summary>
    public override string ToString() => HostAndPath;

    /// <summary>
    /// Parses a provider URL, an <c>iss</c> claim or the part of a provider ARN after <c>oidc-provider/</c>;
    /// on refusal <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string? url, [NotNullWhen(true)] out OidcProviderUrl? provider, [NotNullWhen(false)] out string? error)
    {
        provider = null;
        if (string.IsNullOrEmpty(url))
        {
            error = "The provider URL is empty.";
            return false;
        }

        if (url.Length > MaximumLength)
        {
            error = $"The provider URL is longer than {MaximumLength} characters.";
            return false;
        }

        var rest = url;
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            if (!url[..schemeEnd].Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                error = "The provider URL must use https://.";
                return false;
            }

            rest = url[(schemeEnd + 3)..];
        }

        if (rest.IndexOfAny(['?', '#']) >= 0)
        {
            error = "The provider URL must not have a query (?) or fragment (#).";
            return false;
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[slash..];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            error = "The provider URL must not contain user information (user@host).";
            return false;
        }

        if (!TrySplitAuthority(authority, out var host, out var port, out error))
        {
            return false;
        }

        if (!IsValidPath(path.EndsWith('/') ? path[..^1] : path))
        {
            error = "The provider URL's path has an empty or dot segment or a character that is not allowed in a URL.";
            return false;
        }

        var hostAndPort = port is null ? host : $"{host}:{port}";
        provider = new OidcProviderUrl(hostAndPort + path, host, port, path);
        return true;
    }

    private static bool TrySplitAuthority(string authority, out string host, out int? port, [NotNullWhen(false)] out string? error)
    {
        host = "";
        port = null;
        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !authority[1..close].All(c => char.IsAsciiHexDigit(c) || c is ':' or '.') || close == 1)
            {
                error = "The provider URL's IPv6 address is malformed.";
                return false;
            }

            host = authority[..(close + 1)].ToLowerInvariant();
            portText = authority[(close + 1)..];
            if (portText.Length > 0 && !portText.StartsWith(':'))
            {
                error = "The provider URL's host is malformed.";
                return false;
            }

            portText = portText.Length > 0 ? portText[1..] : "";
        }
        else
        {
            var colon = authority.IndexOf(':', StringComparison.Ordinal);
            host = (colon < 0 ? authority : authority[..colon]).ToLowerInvariant();
            portText = colon < 0 ? "" : authority[(colon + 1)..];
            if (!IsValidHostName(host))
            {
                error = "The provider URL needs a host name of letters, digits, dots and hyphens.";
                return false;
            }
        }

        if (portText.Length > 0 || authority.EndsWith(':'))
        {
            var number = portText.Length is > 0 and <= 5 && portText[0] != '0' && portText.All(char.IsAsciiDigit)
                ? int.Parse(portText, System.Globalization.CultureInfo.InvariantCulture)
                : 0;
            if (number is < 1 or > 65535)
            {
                error = "The provider URL's port must be a number from 1 to 65535.";
                return false;
            }

            port = number == 443 ? null : number;
        }

        error = null;
        return true;
    }

    private static bool IsValidHostName(string host) =>
        host.Length > 0
        && host.Split('.').All(label => label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && label[0] != '-' && label[^1] != '-');

    private static bool IsValidPath(string path)
    {
        if (path.Length == 0)
        {
            return true;
        }

        foreach (var segment in path[1..].Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return false;
            }
        }

        // RFC 3986 pchar: unreserved, sub-delims, ':', '@', and percent-encoding.
        return path.All(c => char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:@%/".Contains(c, StringComparison.Ordinal));
    }
}
