using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace IamDb.Federation.WebIdentity;

/// <summary>
/// Reads AWS's session-tag claim, <c>"https://aws.amazon.com/tags": {"principal_tags": {"key": ["value"]},
/// "transitive_tag_keys": ["key"]}</c>. As in AWS only the first value of each tag counts; a bare string is
/// accepted as one value. Transitive keys must name principal tags.
/// </summary>
internal static class SessionTagClaim
{
    /// <summary>Reads the claim from <paramref name="claims"/>; absent gives no tags. False with an error when malformed.</summary>
    public static bool TryRead(
        JsonElement claims,
        out IReadOnlyDictionary<string, string> tags,
        out IReadOnlyList<string> transitiveKeys,
        [NotNullWhen(false)] out string? error)
    {
        tags = new Dictionary<string, string>();
        transitiveKeys = [];
        error = null;
        if (!claims.TryGetProperty(VerifiedWebIdentityToken.SessionTagsClaim, out var claim))
        {
            return true;
        }

        const string Shape = "The web identity token's https://aws.amazon.com/tags claim must be {\"principal_tags\": {\"key\": [\"value\"]}, \"transitive_tag_keys\": [\"key\"]}";
        if (claim.ValueKind != JsonValueKind.Object)
        {
            error = Shape + ".";
            return false;
        }

        var principal = new Dictionary<string, string>(StringComparer.Ordinal);
        if (claim.TryGetProperty("principal_tags", out var principalTags))
        {
            if (principalTags.ValueKind != JsonValueKind.Object)
            {
                error = Shape + ": principal_tags is not an object.";
                return false;
            }

            foreach (var tag in principalTags.EnumerateObject())
            {
                var value = tag.Value.ValueKind switch
                {
                    JsonValueKind.String => tag.Value.GetString(),
                    JsonValueKind.Array when tag.Value.GetArrayLength() > 0 && tag.Value[0].ValueKind == JsonValueKind.String => tag.Value[0].GetString(),
                    _ => null,
                };
                if (value is null)
                {
                    error = Shape + ": a tag value is not a non-empty array of strings.";
                    return false;
                }

                principal[tag.Name] = value;
            }
        }

        var transitive = new List<string>();
        if (claim.TryGetProperty("transitive_tag_keys", out var keys))
        {
            if (keys.ValueKind != JsonValueKind.Array || keys.EnumerateArray().Any(k => k.ValueKind != JsonValueKind.String))
            {
                error = Shape + ": transitive_tag_keys is not an array of strings.";
                return false;
            }

            foreach (var key in keys.EnumerateArray().Select(k => k.GetString()!))
            {
                if (!principal.ContainsKey(key))
                {
                    error = "The web identity token's transitive_tag_keys names a key that is not among its principal_tags.";
                    return false;
                }

                transitive.Add(key);
            }
        }

        tags = principal;
        transitiveKeys = transitive;
        return true;
    }
}
