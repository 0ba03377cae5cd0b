using System.Text.Json;

namespace IamDb.Federation.Jose;

/// <summary>
/// A compact JWS split and decoded by <see cref="JwtReader"/> but NOT verified: nothing in it may be trusted
/// except to find the provider (<see cref="Issuer"/>) and key (<see cref="KeyId"/>) to verify it with.
/// </summary>
internal sealed class UnverifiedJwt
{
    internal UnverifiedJwt(JsonElement header, JsonElement payload, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Payload = payload;
        SigningInput = signingInput;
        Signature = signature;
    }

    /// <summary>The protected header, a JSON object.</summary>
    public JsonElement Header { get; }

    /// <summary>The claims, a JSON object.</summary>
    public JsonElement Payload { get; }

    /// <summary>The bytes the signature covers: ASCII of <c>header.payload</c> exactly as sent.</summary>
    public ReadOnlyMemory<byte> SigningInput { get; }

    /// <summary>The decoded signature bytes.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>The header's <c>alg</c> (the reader requires it to be a string).</summary>
    public string Algorithm => Header.GetProperty("alg").GetString()!;

    /// <summary>The header's <c>kid</c>, or null when absent (the reader requires a string when present).</summary>
    public string? KeyId => Header.TryGetProperty("kid", out var kid) ? kid.GetString() : null;

    /// <summary>The unverified <c>iss</c> claim, or null when absent or not a string: where to look for the keys.</summary>
    public string? Issuer => Payload.TryGetProperty("iss", out var iss) && iss.ValueKind == JsonValueKind.String ? iss.GetString() : null;
}
