using IamDb.Policy.Model;
using IamDb.Policy.Parsing.Json;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Parsing;

/// <summary>
/// Step two of parsing: maps the JSON tree onto <see cref="PolicyDocument"/>, checking the grammar and the
/// rules of the <see cref="PolicyKind"/>. Every problem found is recorded; reading goes on so one call reports all.
/// </summary>
internal sealed partial class PolicyDocumentReader(PolicyKind kind, List<PolicyError> errors)
{
    private readonly Dictionary<string, int> _sids = new(StringComparer.Ordinal);

    public List<StatementSpan> StatementSpans { get; } = [];

    public PolicyDocument? Read(JsonNode root)
    {
        if (root.Kind != JsonNodeKind.Object)
        {
            Syntax(PolicyErrorMessages.RootNotObject, "", root);
            return null;
        }

        string? version = null;
        string? id = null;
        JsonNode? statementNode = null;
        foreach (var p in root.Properties)
        {
            switch (p.Name)
            {
                case "Version":
                    version = ReadVersion(p.Value);
                    break;
                case "Id":
                    id = ReadString(p.Value, "Id", "Id");
                    break;
                case "Statement":
                    statementNode = p.Value;
                    break;
                default:
                    Error(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.UnknownElement(p.Name), p.Name, p.NameLocation);
                    break;
            }
        }

        var statements = new List<PolicyStatement>();
        switch (statementNode?.Kind)
        {
            case null:
                Error(PolicyErrorMessages.MissingRequiredField("Statement"), null, "", root.Location);
                break;
            case JsonNodeKind.Object:
                AddStatement(statements, statementNode, 0, "Statement");
                break;
            case JsonNodeKind.Array when statementNode.Items.Count == 0:
                Syntax(PolicyErrorMessages.StatementEmpty, "Statement", statementNode);
                break;
            case JsonNodeKind.Array:
                for (var i = 0; i < statementNode.Items.Count; i++)
                {
                    AddStatement(statements, statementNode.Items[i], i, PolicyPath.Statement(i));
                }

                break;
            default:
                Syntax(PolicyErrorMessages.WrongType("Statement", "an object or an array of objects", statementNode.Describe()), "Statement", statementNode);
                break;
        }

        return errors.Count == 0 ? new PolicyDocument(version, id, statements) : null;
    }

    private string? ReadVersion(JsonNode node)
    {
        var version = ReadString(node, "Version", "Version");
        if (version is not null and not PolicyDocument.Version2012 and not PolicyDocument.Version2008)
        {
            Error(PolicyErrorMessages.LegacyParsingFailed, PolicyErrorMessages.UnsupportedVersion(version), "Version", node.Location);
        }

        return version;
    }

    private void AddStatement(List<PolicyStatement> statements, JsonNode node, int index, string path)
    {
        StatementSpans.Add(new StatementSpan(node.Location, node.End));
        if (node.Kind != JsonNodeKind.Object)
        {
            Syntax(PolicyErrorMessages.WrongType("Statement", "an object", node.Describe()), path, node);
            return;
        }

        var statement = ReadStatement(node, index, path);
        if (statement is not null)
        {
            statements.Add(statement);
        }
    }

    private PolicyStatement? ReadStatement(JsonNode node, int index, string path)
    {
        var elements = new Dictionary<string, JsonProperty>(StringComparer.Ordinal);
        foreach (var p in node.Properties)
        {
            if (p.Name is "Sid" or "Effect" or "Action" or "NotAction" or "Resource" or "NotResource"
                or "Principal" or "NotPrincipal" or "Condition")
            {
                elements[p.Name] = p;
            }
            else
            {
                Error(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.UnknownElement(p.Name), PolicyPath.Child(path, p.Name), p.NameLocation);
            }
        }

        var before = errors.Count;
        var sid = elements.TryGetValue("Sid", out var sidProperty) ? ReadSid(sidProperty.Value, index, path) : null;
        var effect = ReadEffect(elements, node, path);
        var action = ReadAction(elements, node, path);
        var resource = ReadResource(elements, node, path);
        var principal = ReadPrincipal(elements, node, path);
        var conditions = elements.TryGetValue("Condition", out var c)
            ? ReadConditions(c.Value, PolicyPath.Child(path, "Condition"))
            : [];

        return errors.Count == before && effect is { } e && action is not null
            ? new PolicyStatement(sid, e, action, resource, principal, conditions)
            : null;
    }

    private string? ReadSid(JsonNode node, int index, string path)
    {
        var sidPath = PolicyPath.Child(path, "Sid");
        var sid = ReadString(node, "Sid", sidPath);
        if (sid is null)
        {
            return null;
        }

        if (PolicyKindRules.RestrictsSidCharacters(kind) && !sid.All(char.IsAsciiLetterOrDigit))
        {
            Error(PolicyErrorMessages.SidNotAlphanumeric, PolicyErrorMessages.SidCharacters(sid), sidPath, node.Location);
        }
        else if (sid.Length > 0 && !_sids.TryAdd(sid, index))
        {
            Error(PolicyErrorMessages.SidNotUnique, PolicyErrorMessages.SidRepeated(sid), sidPath, node.Location);
        }

        return sid;
    }

    private PolicyEffect? ReadEffect(Dictionary<string, JsonProperty> elements, JsonNode statement, string path)
    {
        if (!elements.TryGetValue("Effect", out var p))
        {
            Error(PolicyErrorMessages.MissingRequiredField("Effect"), null, path, statement.Location);
            return null;
        }

        var effectPath = PolicyPath.Child(path, "Effect");
        switch (ReadString(p.Value, "Effect", effectPath))
        {
            case "Allow":
                return PolicyEffect.Allow;
            case "Deny":
                return PolicyEffect.Deny;
            case { } other:
                Syntax(PolicyErrorMessages.InvalidEffect(other), effectPath, p.Value);
                return null;
            default:
                return null;
        }
    }

    // ---- shared helpers -------------------------------------------------------------------------

    /// <summary>Reads a string-valued element; records a type error otherwise.</summary>
    private string? ReadString(JsonNode node, string element, string path)
    {
        if (node.Kind == JsonNodeKind.String)
        {
            return node.Text;
        }

        Syntax(PolicyErrorMessages.WrongType(element, "a string", node.Describe()), path, node);
        return null;
    }

    /// <summary>
    /// Reads "a string or a non-empty array of strings" (brackets are optional for one value).
    /// An empty array is reported with <paramref name="emptyMessage"/>.
    /// </summary>
    private List<(string Value, JsonNode Node, string Path)>? ReadStringList(JsonNode node, string element, string path, string emptyMessage)
    {
        if (node.Kind == JsonNodeKind.String)
        {
            return [(node.Text!, node, path)];
        }

        if (node.Kind != JsonNodeKind.Array)
        {
            Syntax(PolicyErrorMessages.WrongType(element, "a string or an array of strings", node.Describe()), path, node);
            return null;
        }

        if (node.Items.Count == 0)
        {
            Error(emptyMessage, PolicyErrorMessages.EmptyArray(element), path, node.Location);
            return null;
        }

        var values = new List<(string, JsonNode, string)>(node.Items.Count);
        var ok = true;
        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            var itemPath = PolicyPath.Item(path, i);
            if (item.Kind != JsonNodeKind.String)
            {
                Syntax(PolicyErrorMessages.WrongType(element, "a string or an array of strings", $"an array holding {item.Describe()}"), itemPath, item);
                ok = false;
                continue;
            }

            values.Add((item.Text!, item, itemPath));
        }

        return ok ? values : null;
    }

    private void Syntax(string detail, string path, JsonNode node) =>
        Error(PolicyErrorMessages.SyntaxErrors, detail, path, node.Location);

    private void Error(string message, string? detail, string path, SourceLocation location) =>
        errors.Add(PolicyError.Malformed(message, detail, path, location));
}
