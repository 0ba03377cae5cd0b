using System.Text.Json;

namespace IamDb.Federation.WebIdentity;

/// <summary>
/// An ID token whose signature, issuer, audience and validity period have been checked by
/// <see cref="WebIdentityTokenVerifier"/>: everything here may be used for trust-policy conditions and the session.
/// </summary>
internal sealed class VerifiedWebIdentityToken
{
    /// <summary>The name of the claim AWS reads session tags from.</summary>
    public const string SessionTagsClaim = "https://aws.amazon.com/tags";

    internal VerifiedWebIdentityToken(JsonElement claims)
    {
        Claims = claims;
    }

    /// <summary>The registered provider the token was verified for.</summary>
    public required OidcProviderUrl Provider { get; init; }

    /// <summary>The <c>iss</c> claim exactly as sent (STS answers it as <c>Provider</c>).</summary>
    public required string Issuer { get; init; }

    /// <summary>The <c>sub</c> claim (STS's <c>SubjectFromWebIdentityToken</c>, condition key <c>provider:sub</c>).</summary>
    public required string Subject { get; init; }

    /// <summary>The client id from <c>aud</c> that is registered with the provider (STS's <c>Audience</c>, <c>provider:aud</c>).</summary>
    public required string Audience { get; init; }

    /// <summary>Every value of <c>aud</c>, in token order.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>The <c>azp</c> claim (authorized party), or null.</summary>
    public string? AuthorizedParty { get; init; }

    /// <summary>The <c>amr</c> claim (authentication methods; <c>provider:amr</c>), a string or array in the token; empty when absent.</summary>
    public IReadOnlyList<string> AuthenticationMethods { get; init; } = [];

    /// <summary>The <c>iat</c> claim, or null.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>The <c>nbf</c> claim, or null.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>The <c>exp</c> claim.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The <c>jti</c> claim, or null.</summary>
    public string? TokenId { get; init; }

    /// <summary>The JWS algorithm the signature was checked with, e.g. <c>RS256</c>.</summary>
    public required string Algorithm { get; init; }

    /// <summary>The <c>kid</c> of the key that verified the signature (null when the key has none).</summary>
    public string? KeyId { get; init; }

    /// <summary>
    /// Session tags from the <c>https://aws.amazon.com/tags</c> claim's <c>principal_tags</c> (<c>{"key": ["value"]}</c>;
    /// as in AWS, the first value of each key). Empty when the claim is absent. Tag limits are the caller's to enforce.
    /// </summary>
    public IReadOnlyDictionary<string, string> PrincipalTags { get; init; } = new Dictionary<string, string>();

    /// <summary>The claim's <c>transitive_tag_keys</c>; each is a key of <see cref="PrincipalTags"/>.</summary>
    public IReadOnlyList<string> TransitiveTagKeys { get; init; } = [];

    /// <summary>All claims of the token, a JSON object.</summary>
    public JsonElement Claims { get; }

    /// <summary>
    /// A claim's values as strings, for mapping a claim (e.g. <c>groups</c>) to database groups: a string, number or
    /// boolean gives one value (numbers as written, booleans as <c>true</c>/<c>false</c>); an array gives its string,
    /// number and boolean elements; objects, nulls and absent claims give none.
    /// </summary>
    public IReadOnlyList<string> ClaimValues(string name)
    {
        if (!Claims.TryGetProperty(name, out var claim))
        {
            return [];
        }

        if (claim.ValueKind != JsonValueKind.Array)
        {
            return ScalarText(claim) is { } single ? [single] : [];
        }

        var values = new List<string>();
        foreach (var element in claim.EnumerateArray())
        {
            if (ScalarText(element) is { } text)
            {
                values.Add(text);
            }
        }

        return values;
    }

    private static string? ScalarText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
