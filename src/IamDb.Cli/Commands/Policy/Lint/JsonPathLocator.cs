using System.Text;
using System.Text.Json;
using IamDb.Policy.Parsing;

namespace IamDb.Cli.Commands.Policy.Lint;

/// <summary>
/// Maps the JSON paths the policy linter reports (<c>Statement[1].Condition.StringEquals.aws:username</c>) to line and
/// column in the file, so findings point where an editor can jump.
/// </summary>
internal sealed class JsonPathLocator
{
    private readonly Dictionary<string, SourceLocation> _locations = new(StringComparer.Ordinal);

    private JsonPathLocator(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        try
        {
            Walk(bytes, lineStarts);
        }
        catch (JsonException)
        {
            // Unparsable JSON has parse errors with their own locations; keep what was found so far.
        }
    }

    /// <summary>Indexes a policy document's text.</summary>
    public static JsonPathLocator For(string json) => new(json);

    /// <summary>
    /// The location of <paramref name="path"/>, or of its nearest ancestor that exists (a lone <c>Statement</c>
    /// object is what the linter calls <c>Statement[0]</c>).
    /// </summary>
    public SourceLocation? Find(string path)
    {
        foreach (var candidate in new[] { path, path.StartsWith("Statement[0]", StringComparison.Ordinal) ? "Statement" + path["Statement[0]".Length..] : null })
        {
            for (var current = candidate; !string.IsNullOrEmpty(current); current = Parent(current))
            {
                if (_locations.TryGetValue(current, out var location))
                {
                    return location;
                }
            }
        }

        return null;
    }

    private static string? Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? null : path[..cut];
    }

    private void Walk(byte[] bytes, List<int> lineStarts)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var stack = new Stack<(string Path, bool IsArray, int Index)>();
        string? pendingProperty = null;
        while (reader.Read())
        {
            var location = Locate(bytes, lineStarts, (int)reader.TokenStartIndex);
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pendingProperty = Join(stack.Peek().Path, reader.GetString() ?? string.Empty);
                    _locations.TryAdd(pendingProperty, location);
                    continue;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    stack.Pop();
                    continue;
            }

            var path = ValuePath(stack, ref pendingProperty);
            _locations.TryAdd(path, location);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                stack.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
            }
        }
    }

    private static string ValuePath(Stack<(string Path, bool IsArray, int Index)> stack, ref string? pendingProperty)
    {
        if (stack.Count == 0)
        {
            return string.Empty;
        }

        var top = stack.Peek();
        if (top.IsArray)
        {
            stack.Pop();
            stack.Push((top.Path, true, top.Index + 1));
            return $"{top.Path}[{top.Index}]";
        }

        var path = pendingProperty ?? top.Path;
        pendingProperty = null;
        return path;
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    private static SourceLocation Locate(byte[] bytes, List<int> lineStarts, int offset)
    {
        var line = lineStarts.BinarySearch(offset);
        line = line >= 0 ? line : ~line - 1;
        var column = 1;
        for (var i = lineStarts[line]; i < offset; i++)
        {
            // Count characters, not bytes: skip UTF-8 continuation bytes.
            if ((bytes[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return new SourceLocation(line + 1, column);
    }
}
