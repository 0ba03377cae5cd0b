using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace IamDb.Federation.Jose;

/// <summary>
/// Splits and decodes a compact JWS (<c>header.payload.signature</c>, RFC 7515) without verifying it, so the caller
/// can learn the issuer and key id. Refuses, as <see cref="FederationFailureKind.InvalidIdentityToken"/>: more than
/// <see cref="MaximumTokenLength"/> characters, not exactly three parts, anything but canonical unpadded base64url,
/// a header or payload that is not a JSON object (or repeats a member name), a header without a string <c>alg</c>,
/// a non-string <c>kid</c>, and any <c>crit</c> header (we implement no JWS extensions, RFC 7515 §4.1.11).
/// </summary>
internal static class JwtReader
{
    /// <summary>The longest token accepted, in characters: the limit STS puts on <c>WebIdentityToken</c>.</summary>
    public const int MaximumTokenLength = 20_000;

    /// <summary>Reads <paramref name="token"/>; on refusal <paramref name="failure"/> says why without quoting it.</summary>
    public static bool TryRead(string? token, [NotNullWhen(true)] out UnverifiedJwt? jwt, [NotNullWhen(false)] out FederationFailure? failure)
    {
        jwt = null;
        if (string.IsNullOrEmpty(token))
        {
            failure = Invalid("The web identity token is empty.");
            return false;
        }

        if (token.Length > MaximumTokenLength)
        {
            failure = Invalid($"The web identity token is longer than {MaximumTokenLength} characters.");
            return false;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            failure = Invalid(parts.Length == 5
                ? "The web identity token is encrypted (JWE); send the signed ID token (a JWS with three parts)."
                : "The web identity token is not a JWT: it must be three base64url parts separated by dots.");
            return false;
        }

        if (!StrictBase64Url.TryDecode(parts[0], out var headerBytes)
            || !StrictBase64Url.TryDecode(parts[1], out var payloadBytes)
            || !StrictBase64Url.TryDecode(parts[2], out var signature))
        {
            failure = Invalid("The web identity token is not valid base64url (unpadded, URL-safe alphabet).");
            return false;
        }

        if (!StrictJson.TryParseObject(headerBytes, out var header))
        {
            failure = Invalid("The web identity token's header is not a JSON object (or repeats a member name).");
            return false;
        }

        if (!StrictJson.TryParseObject(payloadBytes, out var payload))
        {
            failure = Invalid("The web identity token's claims are not a JSON object (or repeat a member name).");
            return false;
        }

        if (!header.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
        {
            failure = Invalid("The web identity token's header has no algorithm (alg).");
            return false;
        }

        if (header.TryGetProperty("kid", out var kid) && kid.ValueKind != JsonValueKind.String)
        {
            failure = Invalid("The web identity token's key id (kid) is not a string.");
            return false;
        }

        if (header.TryGetProperty("crit", out _))
        {
            failure = Invalid("The web identity token's header marks extensions as critical (crit); none are supported.");
            return false;
        }

        if (signature.Length == 0)
        {
            failure = Invalid("The web identity token is not signed.");
            return false;
        }

        var signingInput = Encoding.ASCII.GetBytes(token, 0, parts[0].Length + 1 + parts[1].Length);
        jwt = new UnverifiedJwt(header, payload, signingInput, signature);
        failure = null;
        return true;
    }

    private static FederationFailure Invalid(string message) => new(FederationFailureKind.InvalidIdentityToken, message);
}
