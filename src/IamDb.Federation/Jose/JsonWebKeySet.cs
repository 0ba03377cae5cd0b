using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace IamDb.Federation.Jose;

/// <summary>
/// The signing keys of an identity provider, parsed from its JWKS document (<c>{"keys":[…]}</c>, RFC 7517).
/// Keys we cannot use are skipped, not fatal: <c>use</c> other than <c>sig</c>, <c>key_ops</c> without
/// <c>verify</c>, an <c>alg</c> we do not accept, an unsupported <c>kty</c> or curve, RSA moduli outside
/// 2048–8192 bits, and malformed members. Only a document that is not a JSON object with a <c>keys</c> array fails.
/// </summary>
internal sealed class JsonWebKeySet
{
    /// <summary>The largest JWKS document we parse, in characters.</summary>
    public const int MaximumDocumentLength = 512 * 1024;

    /// <summary>The most keys we look at; providers publish a handful.</summary>
    public const int MaximumKeys = 100;

    private JsonWebKeySet(IReadOnlyList<JsonWebKey> keys, int skipped)
    {
        Keys = keys;
        SkippedKeys = skipped;
    }

    /// <summary>The usable signing keys, in document order.</summary>
    public IReadOnlyList<JsonWebKey> Keys { get; }

    /// <summary>How many entries of the document were skipped as unusable (for diagnostics).</summary>
    public int SkippedKeys { get; }

    /// <summary>A set holding exactly <paramref name="keys"/> (for callers that already have parsed keys).</summary>
    public static JsonWebKeySet Of(IEnumerable<JsonWebKey> keys) => new([.. keys], 0);

    /// <summary>
    /// Parses a JWKS document. Never throws on hostile input: returns false with an <paramref name="error"/> that
    /// a person can act on (it never quotes key material).
    /// </summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out JsonWebKeySet? keySet, [NotNullWhen(false)] out string? error)
    {
        keySet = null;
        if (json.Length > MaximumDocumentLength)
        {
            error = $"The JWKS document is larger than {MaximumDocumentLength} characters.";
            return false;
        }

        if (!StrictJson.TryParseObject(json, out var root))
        {
            error = "The JWKS document is not a JSON object (or repeats a member name).";
            return false;
        }

        if (!root.TryGetProperty("keys", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            error = "The JWKS document has no \"keys\" array.";
            return false;
        }

        var keys = new List<JsonWebKey>();
        var skipped = 0;
        foreach (var entry in array.EnumerateArray().Take(MaximumKeys))
        {
            if (TryReadKey(entry) is { } key)
            {
                keys.Add(key);
            }
            else
            {
                skipped++;
            }
        }

        skipped += Math.Max(0, array.GetArrayLength() - MaximumKeys);
        keySet = new JsonWebKeySet(keys, skipped);
        error = null;
        return true;
    }

    /// <summary>
    /// True when exactly one key of this set fits the token's <c>alg</c> and <c>kid</c> (see
    /// <see cref="TrySelect"/>). A caller that gets false for a supported algorithm should refresh the set
    /// (rate-limited): the provider has probably rotated its keys.
    /// </summary>
    public bool CanVerify(UnverifiedJwt jwt) =>
        JwsAlgorithm.Supported.TryGetValue(jwt.Algorithm, out var algorithm) && TrySelect(algorithm, jwt.KeyId, out _, out _);

    /// <summary>
    /// Picks the key for <paramref name="algorithm"/>: with a <paramref name="keyId"/>, the one key with that
    /// <c>kid</c> that fits the algorithm; without one, the only key that fits the algorithm. Two candidates are
    /// refused rather than tried in turn, so which key verified a token is never ambiguous.
    /// </summary>
    public bool TrySelect(JwsAlgorithm algorithm, string? keyId, [NotNullWhen(true)] out JsonWebKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        var withId = keyId is null ? Keys : Keys.Where(k => k.KeyId == keyId).ToList();
        if (keyId is not null && withId.Count == 0)
        {
            error = "The token's key id (kid) is not among the identity provider's published keys.";
            return false;
        }

        var fitting = withId.Where(algorithm.Fits).Take(2).ToList();
        switch (fitting.Count)
        {
            case 1:
                key = fitting[0];
                error = null;
                return true;
            case 0:
                error = keyId is null
                    ? $"The identity provider publishes no key for the token's algorithm {algorithm.Name}."
                    : $"The key the token names (kid) is not a key for its algorithm {algorithm.Name}.";
                return false;
            default:
                error = keyId is null
                    ? $"The token names no key id (kid) and the identity provider publishes several keys for {algorithm.Name}."
                    : "The identity provider publishes several keys with the token's key id (kid).";
                return false;
        }
    }

    private static JsonWebKey? TryReadKey(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object
            || !TryGetString(entry, "kty", out var kty)
            || !TryGetOptionalString(entry, "kid", out var kid)
            || !TryGetOptionalString(entry, "use", out var use)
            || !TryGetOptionalString(entry, "alg", out var alg))
        {
            return null;
        }

        if ((use is not null && use != "sig")
            || (alg is not null && !JwsAlgorithm.Supported.ContainsKey(alg))
            || !AllowsVerify(entry))
        {
            return null;
        }

        var key = kty switch
        {
            "RSA" => ReadRsa(entry, kid, alg),
            "EC" => ReadEc(entry, kid, alg),
            _ => null,
        };
        return key is not null && alg is not null && !JwsAlgorithm.Supported[alg].Fits(key) ? null : key;
    }

    private static bool AllowsVerify(JsonElement entry)
    {
        if (!entry.TryGetProperty("key_ops", out var ops))
        {
            return true;
        }

        return ops.ValueKind == JsonValueKind.Array
            && ops.EnumerateArray().Any(op => op.ValueKind == JsonValueKind.String && op.GetString() == "verify");
    }

    private static JsonWebKey? ReadRsa(JsonElement entry, string? kid, string? alg)
    {
        if (!TryGetBytes(entry, "n", out var modulus) || !TryGetBytes(entry, "e", out var exponent))
        {
            return null;
        }

        modulus = TrimLeadingZeros(modulus);
        exponent = TrimLeadingZeros(exponent);
        var bits = modulus.Length * 8;
        if (bits < JsonWebKey.MinimumRsaBits || bits > JsonWebKey.MaximumRsaBits
            || exponent.Length is 0 or > 8 || (exponent[^1] & 1) == 0 || (exponent.Length == 1 && exponent[0] < 3))
        {
            return null;
        }

        var key = JsonWebKey.ForRsa(kid, alg, modulus, exponent);
        return key.TryLoad() ? key : null;
    }

    private static JsonWebKey? ReadEc(JsonElement entry, string? kid, string? alg)
    {
        if (!TryGetString(entry, "crv", out var curve) || curve is not ("P-256" or "P-384")
            || !TryGetBytes(entry, "x", out var x) || !TryGetBytes(entry, "y", out var y))
        {
            return null;
        }

        var size = curve == "P-256" ? 32 : 48;
        if (x.Length != size || y.Length != size)
        {
            return null;
        }

        // Importing checks the point is on the curve; a point off it is an invalid-curve attack, not a key.
        var key = JsonWebKey.ForEc(kid, alg, curve, x, y);
        return key.TryLoad() ? key : null;
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length && value[start] == 0)
        {
            start++;
        }

        return start == 0 ? value : value[start..];
    }

    private static bool TryGetString(JsonElement entry, string name, [NotNullWhen(true)] out string? value)
    {
        value = entry.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    private static bool TryGetOptionalString(JsonElement entry, string name, out string? value)
    {
        value = null;
        if (!entry.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryGetBytes(JsonElement entry, string name, out byte[] bytes)
    {
        bytes = [];
        return TryGetString(entry, name, out var text) && text.Length > 0 && StrictBase64Url.TryDecode(text, out bytes);
    }
}
