using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using IamDb.Federation.Jose;

namespace IamDb.Federation.WebIdentity;

/// <summary>
/// Verifies an OpenID Connect ID token (read by <see cref="JwtReader"/>) against the provider's keys and what the
/// registered provider expects. Pure: the caller fetches the keys and passes the time.
/// </summary>
/// <remarks>
/// Checks, in order: the algorithm is RS256/RS384/RS512/ES256/ES384 (everything else, <c>none</c> and HMAC
/// included, is refused by name); the key is chosen by <c>kid</c> and must fit the algorithm (see
/// <see cref="JsonWebKeySet.TrySelect"/>); the signature; then the claims: <c>iss</c> is the expected provider,
/// <c>aud</c> (string or array) contains one of its client ids, <c>sub</c> is a non-empty string, <c>exp</c> is
/// present and not past (with the skew), <c>nbf</c> and <c>iat</c> are not in the future (with the skew), and
/// the session-tag claim is well formed. Claims are only looked at after the signature holds, so an unsigned
/// token learns nothing about them. Refusal kinds: format, algorithm, key and signature, claim types, and
/// not-yet-valid → <see cref="FederationFailureKind.InvalidIdentityToken"/>; wrong issuer or audience, or too long a
/// lifetime → <see cref="FederationFailureKind.RejectedClaim"/>; past <c>exp</c> →
/// <see cref="FederationFailureKind.ExpiredToken"/>. Messages name the check, never the token.
/// </remarks>
internal static class WebIdentityTokenVerifier
{
    /// <summary>The longest <c>sub</c> accepted: STS returns it as <c>SubjectFromWebIdentityToken</c>, at most 255 characters.</summary>
    public const int MaximumSubjectLength = 255;

    /// <summary>Verifies <paramref name="jwt"/>; exactly one of <paramref name="token"/> and <paramref name="failure"/> is set.</summary>
    public static bool TryVerify(
        UnverifiedJwt jwt,
        JsonWebKeySet keys,
        WebIdentityExpectations expected,
        DateTimeOffset now,
        [NotNullWhen(true)] out VerifiedWebIdentityToken? token,
        [NotNullWhen(false)] out FederationFailure? failure)
    {
        token = null;
        if (!JwsAlgorithm.Supported.TryGetValue(jwt.Algorithm, out var algorithm))
        {
            failure = Invalid("The web identity token's algorithm is not accepted; use RS256, RS384, RS512, ES256 or ES384.");
            return false;
        }

        if (!keys.TrySelect(algorithm, jwt.KeyId, out var key, out var keyError))
        {
            failure = Invalid(keyError);
            return false;
        }

        if (!algorithm.Verify(key, jwt.SigningInput.Span, jwt.Signature.Span))
        {
            failure = Invalid("The web identity token's signature does not verify with the identity provider's key.");
            return false;
        }

        failure = CheckClaims(jwt.Payload, algorithm, key, expected, now, out token);
        return failure is null;
    }

    private static FederationFailure? CheckClaims(
        JsonElement claims, JwsAlgorithm algorithm, JsonWebKey key, WebIdentityExpectations expected, DateTimeOffset now, out VerifiedWebIdentityToken? token)
    {
        token = null;
        if (!TryString(claims, "iss", out var issuer) || issuer is null)
        {
            return Invalid("The web identity token has no issuer (iss).");
        }

        if (!OidcProviderUrl.TryParse(issuer, out var issuerUrl, out _) || issuerUrl != expected.Issuer)
        {
            return Rejected($"The web identity token's issuer (iss) is not the identity provider {expected.Issuer}.");
        }

        if (!TryStrings(claims, "aud", out var audiences) || audiences.Count == 0)
        {
            return Invalid("The web identity token has no audience (aud); it must be a string or an array of strings.");
        }

        var audience = audiences.FirstOrDefault(a => expected.ClientIds.Contains(a, StringComparer.Ordinal));
        if (audience is null)
        {
            return Rejected($"The web identity token's audience (aud) is not a client id registered with the identity provider {expected.Issuer}.");
        }

        if (!TryString(claims, "sub", out var subject) || string.IsNullOrEmpty(subject) || subject.Length > MaximumSubjectLength)
        {
            return Invalid($"The web identity token has no subject (sub), or it is longer than {MaximumSubjectLength} characters.");
        }

        if (!TryTime(claims, "exp", out var expires) || !TryTime(claims, "nbf", out var notBefore) || !TryTime(claims, "iat", out var issuedAt))
        {
            return Invalid("The web identity token's exp, nbf or iat is not a number of seconds since 1970.");
        }

        if (expires is null)
        {
            return Invalid("The web identity token has no expiry (exp).");
        }

        if (now >= expires.Value + expected.ClockSkew)
        {
            return new FederationFailure(FederationFailureKind.ExpiredToken, "The web identity token has expired; get a new one from the identity provider.");
        }

        if (notBefore is { } nbf && now + expected.ClockSkew < nbf)
        {
            return Invalid("The web identity token is not valid yet (nbf is in the future); check the clocks.");
        }

        if (issuedAt is { } iat && now + expected.ClockSkew < iat)
        {
            return Invalid("The web identity token was issued in the future (iat); check the clocks.");
        }

        if (expected.MaximumLifetime is { } maximum
            && (issuedAt ?? notBefore) is var start
            && (start is null || expires.Value - start.Value > maximum))
        {
            return Rejected($"The web identity token is valid for longer than {maximum.TotalSeconds:0} seconds, or does not say when it was issued (iat).");
        }

        if (!TryString(claims, "azp", out var authorizedParty) || !TryString(claims, "jti", out var tokenId) || !TryStrings(claims, "amr", out var methods))
        {
            return Invalid("The web identity token's azp, jti or amr claim has the wrong type.");
        }

        if (!SessionTagClaim.TryRead(claims, out var tags, out var transitive, out var tagError))
        {
            return Invalid(tagError);
        }

        token = new VerifiedWebIdentityToken(claims)
        {
            Provider = expected.Issuer,
            Issuer = issuer,
            Subject = subject,
            Audience = audience,
            Audiences = audiences,
            AuthorizedParty = authorizedParty,
            AuthenticationMethods = methods,
            IssuedAt = issuedAt,
            NotBefore = notBefore,
            ExpiresAt = expires.Value,
            TokenId = tokenId,
            Algorithm = algorithm.Name,
            KeyId = key.KeyId,
            PrincipalTags = tags,
            TransitiveTagKeys = transitive,
        };
        return null;
    }

    /// <summary>Absent → true with null; a string → true with it; anything else → false.</summary>
    private static bool TryString(JsonElement claims, string name, out string? value)
    {
        value = null;
        if (!claims.TryGetProperty(name, out var element))
        {
            return true;
        }

        value = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    /// <summary>Absent → true with none; a string or an array of strings → true with them; anything else → false.</summary>
    private static bool TryStrings(JsonElement claims, string name, out IReadOnlyList<string> values)
    {
        values = [];
        if (!claims.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            values = [element.GetString()!];
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return false;
        }

        values = [.. element.EnumerateArray().Select(e => e.GetString()!)];
        return true;
    }

    /// <summary>Absent → true with null; a NumericDate (seconds since 1970, fractions dropped) in range → true; anything else → false.</summary>
    private static bool TryTime(JsonElement claims, string name, out DateTimeOffset? value)
    {
        value = null;
        if (!claims.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var seconds)
            || !double.IsFinite(seconds) || seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        value = DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds));
        return true;
    }

    private static FederationFailure Invalid(string message) => new(FederationFailureKind.InvalidIdentityToken, message);

    private static FederationFailure Rejected(string message) => new(FederationFailureKind.RejectedClaim, message);
}
