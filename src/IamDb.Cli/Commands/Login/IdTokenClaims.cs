using System.Text.Json;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Login;

/// <summary>
/// The claims of an ID token that <c>iamdb login</c> checks before it exchanges the token. The signature is not checked
/// here: the broker verifies it against the issuer's keys in <c>AssumeRoleWithWebIdentity</c>, and the token came straight
/// from the provider's token endpoint over TLS. What the broker cannot check is ours: the <c>nonce</c> of this sign-in.
/// </summary>
internal sealed record IdTokenClaims(string Issuer, IReadOnlyList<string> Audience, string Subject, DateTimeOffset Expires, string? Nonce, string? Email)
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    /// <summary>Reads the payload of a compact JWS; a malformed token is an error that does not quote it.</summary>
    public static IdTokenClaims Parse(string idToken)
    {
        var parts = idToken.Split('.');
        if (parts.Length != 3)
        {
            throw new CliException("the identity provider's ID token is not a signed JWT (three dot-separated parts).");
        }

        try
        {
            using var payload = JsonDocument.Parse(FromBase64Url(parts[1]));
            var root = payload.RootElement;
            var audience = root.TryGetProperty("aud", out var aud)
                ? aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString() ?? string.Empty).ToList() : [aud.GetString() ?? string.Empty]
                : [];
            var exp = root.TryGetProperty("exp", out var e) && e.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;
            return new IdTokenClaims(
                Text(root, "iss") ?? string.Empty,
                audience,
                Text(root, "sub") ?? string.Empty,
                exp,
                Text(root, "nonce"),
                Text(root, "email"));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new CliException("the identity provider's ID token has a payload that is not JSON claims.");
        }
    }

    /// <summary>Checks issuer, audience, expiry and — for the code flow — the nonce this sign-in sent.</summary>
    public void Check(string issuer, string clientId, string? expectedNonce, DateTimeOffset now)
    {
        if (Issuer.TrimEnd('/') != issuer)
        {
            throw new CliException($"the ID token was issued by '{Issuer}', not by the environment's identity provider '{issuer}'.");
        }

        if (!Audience.Contains(clientId))
        {
            throw new CliException($"the ID token is for audience {string.Join(", ", Audience)}, not for client id '{clientId}'.");
        }

        if (Subject.Length == 0)
        {
            throw new CliException("the ID token has no subject (sub).");
        }

        if (Expires + Skew < now)
        {
            throw new CliException($"the identity provider issued an ID token that expired at {Expires:u}: is this machine's clock right?");
        }

        if (expectedNonce is not null && Nonce != expectedNonce)
        {
            throw new CliException("the ID token does not carry the nonce of this sign-in (a replayed or injected token): sign in again.");
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", 0 => string.Empty, _ => throw new FormatException("bad base64url length") };
        return Convert.FromBase64String(s);
    }
}
