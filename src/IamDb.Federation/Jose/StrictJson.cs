using System.Text.Json;

namespace IamDb.Federation.Jose;

/// <summary>
/// JSON parsing for security decisions: a repeated member name is refused (parsers disagree on which copy wins, and
/// an attacker picks the one the verifier does not read), as are comments, trailing commas and deep nesting.
/// </summary>
internal static class StrictJson
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>Parses <paramref name="json"/>; false unless it is one well-formed JSON object.</summary>
    public static bool TryParseObject(string json, out JsonElement root) => TryParseObject(System.Text.Encoding.UTF8.GetBytes(json), out root);

    /// <summary>Parses UTF-8 <paramref name="utf8"/>; false unless it is one well-formed JSON object.</summary>
    public static bool TryParseObject(ReadOnlyMemory<byte> utf8, out JsonElement root)
    {
        root = default;
        try
        {
            using var document = JsonDocument.Parse(utf8, Options);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            // Clone so the element outlives the pooled document.
            root = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
