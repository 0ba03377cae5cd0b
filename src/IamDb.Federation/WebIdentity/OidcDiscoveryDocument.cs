using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using IamDb.Federation.Jose;

namespace IamDb.Federation.WebIdentity;

/// <summary>
/// The parts of an OpenID Provider's configuration (<c>/.well-known/openid-configuration</c>, OpenID Connect
/// Discovery 1.0 §3) we use: the <c>issuer</c>, where its keys are (<c>jwks_uri</c>, https only), and the
/// endpoints a sign-in client needs. Unknown members are ignored.
/// </summary>
internal sealed class OidcDiscoveryDocument
{
    /// <summary>The largest discovery document we parse, in characters.</summary>
    public const int MaximumDocumentLength = 256 * 1024;

    private OidcDiscoveryDocument(OidcProviderUrl issuer, string issuerText, Uri jwksUri, Uri? authorization, Uri? token, Uri? device, IReadOnlyList<string> algorithms)
    {
        Issuer = issuer;
        IssuerText = issuerText;
        JwksUri = jwksUri;
        AuthorizationEndpoint = authorization;
        TokenEndpoint = token;
        DeviceAuthorizationEndpoint = device;
        IdTokenSigningAlgorithms = algorithms;
    }

    /// <summary>The <c>issuer</c>, normalized. The caller checks it is the provider it fetched the document for.</summary>
    public OidcProviderUrl Issuer { get; }

    /// <summary>The <c>issuer</c> exactly as the document states it (ID tokens carry this as <c>iss</c>).</summary>
    public string IssuerText { get; }

    /// <summary>Where the provider's JSON Web Key Set is; always https.</summary>
    public Uri JwksUri { get; }

    /// <summary>The <c>authorization_endpoint</c> (https), for the authorization-code flow; null when absent.</summary>
    public Uri? AuthorizationEndpoint { get; }

    /// <summary>The <c>token_endpoint</c> (https); null when absent.</summary>
    public Uri? TokenEndpoint { get; }

    /// <summary>The <c>device_authorization_endpoint</c> (https, RFC 8628); null when absent.</summary>
    public Uri? DeviceAuthorizationEndpoint { get; }

    /// <summary>The <c>id_token_signing_alg_values_supported</c>, possibly empty.</summary>
    public IReadOnlyList<string> IdTokenSigningAlgorithms { get; }

    /// <summary>Parses a discovery document; never throws on hostile input, <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out OidcDiscoveryDocument? document, [NotNullWhen(false)] out string? error)
    {
        document = null;
        if (json.Length > MaximumDocumentLength)
        {
            error = $"The OpenID configuration is larger than {MaximumDocumentLength} characters.";
            return false;
        }

        if (!StrictJson.TryParseObject(json, out var root))
        {
            error = "The OpenID configuration is not a JSON object (or repeats a member name).";
            return false;
        }

        if (!root.TryGetProperty("issuer", out var issuerElement) || issuerElement.ValueKind != JsonValueKind.String)
        {
            error = "The OpenID configuration has no issuer.";
            return false;
        }

        var issuerText = issuerElement.GetString()!;
        if (!OidcProviderUrl.TryParse(issuerText, out var issuer, out var issuerError))
        {
            error = "The OpenID configuration's issuer is not usable: " + issuerError;
            return false;
        }

        if (!TryReadEndpoint(root, "jwks_uri", required: true, out var jwks, out error)
            || !TryReadEndpoint(root, "authorization_endpoint", required: false, out var authorization, out error)
            || !TryReadEndpoint(root, "token_endpoint", required: false, out var token, out error)
            || !TryReadEndpoint(root, "device_authorization_endpoint", required: false, out var device, out error))
        {
            return false;
        }

        var algorithms = root.TryGetProperty("id_token_signing_alg_values_supported", out var algs) && algs.ValueKind == JsonValueKind.Array
            ? algs.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList()
            : [];
        document = new OidcDiscoveryDocument(issuer, issuerText, jwks!, authorization, token, device, algorithms);
        return true;
    }

    private static bool TryReadEndpoint(JsonElement root, string name, bool required, out Uri? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = $"The OpenID configuration has no {name}.";
                return false;
            }

            return true;
        }

        if (element.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(element.GetString(), UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttps
            || uri.UserInfo.Length > 0
            || uri.Fragment.Length > 0)
        {
            error = $"The OpenID configuration's {name} must be an absolute https URL without user information or fragment.";
            return false;
        }

        endpoint = uri;
        return true;
    }
}
