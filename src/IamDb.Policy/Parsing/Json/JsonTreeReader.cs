using System.Text;
using System.Text.Json;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Parsing.Json;

/// <summary>
/// Reads JSON text into a <see cref="JsonNode"/> tree with source locations, using
/// <see cref="Utf8JsonReader"/> directly because <see cref="JsonDocument"/> neither reports positions
/// nor rejects duplicate keys, and IAM rejects both malformed JSON and repeated keys.
/// </summary>
internal static class JsonTreeReader
{
    private const int MaxDepth = 64;

    /// <summary>Parses <paramref name="utf8"/>; syntax and duplicate-key problems go to <paramref name="errors"/>.</summary>
    /// <returns>The root, or null when the text is not well-formed JSON.</returns>
    public static JsonNode? Read(byte[] utf8, LineMap lines, List<PolicyError> errors)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = MaxDepth,
        });
        try
        {
            if (!reader.Read())
            {
                errors.Add(PolicyError.Malformed(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.EmptyDocument, "", new SourceLocation(1, 1)));
                return null;
            }

            var root = ReadValue(ref reader, lines, "", errors);

            // Utf8JsonReader throws on anything but whitespace after the root value.
            while (reader.Read())
            {
            }

            return root;
        }
        catch (JsonException ex)
        {
            var location = new SourceLocation((int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1);
            errors.Add(PolicyError.Malformed(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.InvalidJson, "", location));
            return null;
        }
    }

    private static JsonNode ReadValue(ref Utf8JsonReader reader, LineMap lines, string path, List<PolicyError> errors)
    {
        var location = lines.Locate(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return ReadObject(ref reader, lines, path, location, errors);
            case JsonTokenType.StartArray:
                var items = new List<JsonNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines, $"{path}[{items.Count}]", errors));
                }

                return JsonNode.Array(location, lines.Locate(reader.TokenStartIndex + 1), items);
            case JsonTokenType.String:
                return JsonNode.Scalar(JsonNodeKind.String, location, ReadString(ref reader, path, location, errors));
            case JsonTokenType.Number:
                // Keep the number as written: IAM compares condition values as text.
                var raw = reader.ValueSpan; // one contiguous buffer, never a sequence
                return JsonNode.Scalar(JsonNodeKind.Number, location, Encoding.UTF8.GetString(raw));
            case JsonTokenType.True:
                return JsonNode.Scalar(JsonNodeKind.True, location, "true");
            case JsonTokenType.False:
                return JsonNode.Scalar(JsonNodeKind.False, location, "false");
            default:
                return JsonNode.Scalar(JsonNodeKind.Null, location, null);
        }
    }

    /// <summary>
    /// Unescapes a string token. The reader accepts <c>\ud800</c>-style escapes that are not valid text (a lone
    /// surrogate) and throws only when asked for the string; report those as a syntax error instead.
    /// </summary>
    private static string ReadString(ref Utf8JsonReader reader, string path, SourceLocation location, List<PolicyError> errors)
    {
        try
        {
            return reader.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            errors.Add(PolicyError.Malformed(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.InvalidEscape, path, location));
            return "";
        }
    }

    private static JsonNode ReadObject(ref Utf8JsonReader reader, LineMap lines, string path, SourceLocation location, List<PolicyError> errors)
    {
        var properties = new List<JsonProperty>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var nameLocation = lines.Locate(reader.TokenStartIndex);
            var name = ReadString(ref reader, path, nameLocation, errors);
            var childPath = PolicyPath.Child(path, name);
            reader.Read();
            var value = ReadValue(ref reader, lines, childPath, errors);
            if (!seen.Add(name))
            {
                errors.Add(PolicyError.Malformed(
                    PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.DuplicateKey(name), childPath, nameLocation));
                continue;
            }

            properties.Add(new JsonProperty(name, nameLocation, value));
        }

        return JsonNode.Object(location, lines.Locate(reader.TokenStartIndex + 1), properties);
    }
}
