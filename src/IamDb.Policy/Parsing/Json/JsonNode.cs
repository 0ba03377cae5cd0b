namespace IamDb.Policy.Parsing.Json;

/// <summary>The JSON value kinds the policy grammar distinguishes.</summary>
internal enum JsonNodeKind
{
    Object,
    Array,
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// A JSON value with where it started in the text. Numbers keep their raw text because IAM treats
/// condition numbers as strings; objects keep their properties in document order.
/// </summary>
internal sealed class JsonNode
{
    private JsonNode(
        JsonNodeKind kind, SourceLocation location, SourceLocation end, string? text, IReadOnlyList<JsonProperty>? properties, IReadOnlyList<JsonNode>? items)
    {
        Kind = kind;
        Location = location;
        End = end;
        Text = text;
        Properties = properties ?? [];
        Items = items ?? [];
    }

    public JsonNodeKind Kind { get; }

    public SourceLocation Location { get; }

    /// <summary>Just past the closing bracket for objects and arrays; the start for scalars.</summary>
    public SourceLocation End { get; }

    /// <summary>The string value, the number's raw text, or <c>true</c>/<c>false</c>; null for objects, arrays and null.</summary>
    public string? Text { get; }

    public IReadOnlyList<JsonProperty> Properties { get; }

    public IReadOnlyList<JsonNode> Items { get; }

    /// <summary>True for strings, numbers and booleans: the values a condition accepts.</summary>
    public bool IsScalar => Kind is JsonNodeKind.String or JsonNodeKind.Number or JsonNodeKind.True or JsonNodeKind.False;

    public static JsonNode Object(SourceLocation location, SourceLocation end, IReadOnlyList<JsonProperty> properties) =>
        new(JsonNodeKind.Object, location, end, null, properties, null);

    public static JsonNode Array(SourceLocation location, SourceLocation end, IReadOnlyList<JsonNode> items) =>
        new(JsonNodeKind.Array, location, end, null, null, items);

    public static JsonNode Scalar(JsonNodeKind kind, SourceLocation location, string? text) =>
        new(kind, location, location, text, null, null);

    /// <summary>A short name of the kind for error details (<c>an array</c>, <c>a number</c>…).</summary>
    public string Describe() => Kind switch
    {
        JsonNodeKind.Object => "an object",
        JsonNodeKind.Array => "an array",
        JsonNodeKind.String => "a string",
        JsonNodeKind.Number => "a number",
        JsonNodeKind.True or JsonNodeKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>One member of a JSON object, with the location of its name.</summary>
internal sealed record JsonProperty(string Name, SourceLocation NameLocation, JsonNode Value);
