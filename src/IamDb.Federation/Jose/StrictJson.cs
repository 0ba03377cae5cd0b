using System.Text.Json;

namespace IamDb.Federation.Jose;

/// <summary>
/// JSON parsing for security decisions: a repeated member name is refused (parsers disagree on which copy wins, and
/// an attacker picks the one the verifier does not read), as are comments, trailing commas, deep nesting, invalid
/// UTF-8 and escaped lone surrogates (which <see cref="JsonDocument"/> only notices when a string is read, by throwing).
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
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(utf8, Options);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !AllStringsReadable(document.RootElement))
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
        catch (InvalidOperationException)
        {
            // The duplicate-member check unescapes names and throws this for an escaped lone surrogate (.NET 10).
            return false;
        }
    }

    /// <summary>Reads every string and member name once, so later reads cannot throw.</summary>
    private static bool AllStringsReadable(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    return element.EnumerateArray().All(AllStringsReadable);
                case JsonValueKind.Object:
                    return element.EnumerateObject().All(member => member.Name is not null && AllStringsReadable(member.Value));
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
