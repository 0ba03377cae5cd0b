using System.Text.Json;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

/// <summary>JSON text for the document-like columns (tags, lists, session context).</summary>
internal static class StateJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("unexpected null in a JSON column");

    public static string WriteTags(IReadOnlyList<Tag> tags) => Write(tags);

    public static IReadOnlyList<Tag> ReadTags(string json) => Read<List<Tag>>(json);
}
