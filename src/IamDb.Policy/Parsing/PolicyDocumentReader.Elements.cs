using IamDb.Policy.Model;
using IamDb.Policy.Parsing.Json;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Parsing;

/// <summary>The Action, Resource, Principal and Condition elements.</summary>
internal sealed partial class PolicyDocumentReader
{
    private static readonly string[] PrincipalTypes = ["AWS", "Service", "Federated", "CanonicalUser"];

    /// <summary>Finds which of an element pair is present; reports both-present and (optionally) neither-present.</summary>
    private (JsonProperty? Property, bool IsNot, bool Conflict) PickPair(
        Dictionary<string, JsonProperty> elements, string element, string notElement, string path)
    {
        var has = elements.TryGetValue(element, out var positive);
        var hasNot = elements.TryGetValue(notElement, out var negative);
        if (has && hasNot)
        {
            Error(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.MutuallyExclusive(element, notElement),
                PolicyPath.Child(path, notElement), negative!.NameLocation);
            return (null, false, true);
        }

        return has ? (positive, false, false) : hasNot ? (negative, true, false) : (null, false, false);
    }

    private ActionElement? ReadAction(Dictionary<string, JsonProperty> elements, JsonNode statement, string path)
    {
        var (property, isNot, conflict) = PickPair(elements, "Action", "NotAction", path);
        if (conflict)
        {
            return null;
        }

        if (property is null)
        {
            Error(PolicyErrorMessages.MissingRequiredField("Action"), null, path, statement.Location);
            return null;
        }

        var elementPath = PolicyPath.Child(path, property.Name);
        var values = ReadStringList(property.Value, property.Name, elementPath, PolicyErrorMessages.MustContainActions);
        if (values is null)
        {
            return null;
        }

        foreach (var (value, node, valuePath) in values)
        {
            if (value == "*")
            {
                continue;
            }

            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                Error(PolicyErrorMessages.ActionsMustHaveVendor, PolicyErrorMessages.ActionWithoutVendor, valuePath, node.Location);
            }
            else if (!IsVendor(value.AsSpan(0, colon)))
            {
                Error(PolicyErrorMessages.ActionsMustHaveVendor, PolicyErrorMessages.InvalidVendor(value), valuePath, node.Location);
            }
        }

        return new ActionElement(isNot, values.ConvertAll(v => v.Value));
    }

    private ResourceElement? ReadResource(Dictionary<string, JsonProperty> elements, JsonNode statement, string path)
    {
        if (PolicyKindRules.ProhibitsResource(kind))
        {
            foreach (var name in (ReadOnlySpan<string>)["Resource", "NotResource"])
            {
                if (elements.TryGetValue(name, out var prohibited))
                {
                    Error(PolicyErrorMessages.ProhibitedField(name), PolicyErrorMessages.ElementNotAllowedForKind(name, PolicyKindRules.Describe(kind)),
                        PolicyPath.Child(path, name), prohibited.NameLocation);
                }
            }

            return null;
        }

        var (property, isNot, conflict) = PickPair(elements, "Resource", "NotResource", path);
        if (conflict)
        {
            return null;
        }

        if (property is null)
        {
            Error(PolicyErrorMessages.MustContainResources, PolicyErrorMessages.ElementRequiredForKind("Resource", PolicyKindRules.Describe(kind)),
                path, statement.Location);
            return null;
        }

        var elementPath = PolicyPath.Child(path, property.Name);
        var values = ReadStringList(property.Value, property.Name, elementPath, PolicyErrorMessages.MustContainResources);
        if (values is null)
        {
            return null;
        }

        foreach (var (value, node, valuePath) in values)
        {
            if (ResourceArnRules.Check(value) is { } problem)
            {
                Error(problem.Message, problem.Detail, valuePath, node.Location);
            }
        }

        return new ResourceElement(isNot, values.ConvertAll(v => v.Value));
    }

    private PrincipalElement? ReadPrincipal(Dictionary<string, JsonProperty> elements, JsonNode statement, string path)
    {
        var kindName = PolicyKindRules.Describe(kind);
        if (PolicyKindRules.ProhibitsPrincipal(kind))
        {
            foreach (var name in (ReadOnlySpan<string>)["Principal", "NotPrincipal"])
            {
                if (elements.TryGetValue(name, out var prohibited))
                {
                    Error(PolicyErrorMessages.ShouldNotSpecifyPrincipal, PolicyErrorMessages.ElementNotAllowedForKind(name, kindName),
                        PolicyPath.Child(path, name), prohibited.NameLocation);
                }
            }

            return null;
        }

        if (!PolicyKindRules.AllowsNotPrincipal(kind) && elements.TryGetValue("NotPrincipal", out var notPrincipal))
        {
            Error(PolicyErrorMessages.ProhibitedField("NotPrincipal"), PolicyErrorMessages.ElementNotAllowedForKind("NotPrincipal", kindName),
                PolicyPath.Child(path, "NotPrincipal"), notPrincipal.NameLocation);
            return null;
        }

        var (property, isNot, conflict) = PickPair(elements, "Principal", "NotPrincipal", path);
        if (conflict)
        {
            return null;
        }

        if (property is null)
        {
            Error(PolicyErrorMessages.MissingRequiredField("Principal"), PolicyErrorMessages.ElementRequiredForKind("Principal", kindName),
                path, statement.Location);
            return null;
        }

        return ReadPrincipalValue(property.Value, property.Name, isNot, PolicyPath.Child(path, property.Name));
    }

    private PrincipalElement? ReadPrincipalValue(JsonNode node, string element, bool isNot, string path)
    {
        if (node.Kind == JsonNodeKind.String && node.Text == "*")
        {
            return new PrincipalElement(isNot, true, []);
        }

        if (node.Kind != JsonNodeKind.Object)
        {
            Syntax(PolicyErrorMessages.WrongType(element, "`*` or an object", node.Kind == JsonNodeKind.String ? $"`{node.Text}`" : node.Describe()), path, node);
            return null;
        }

        if (node.Properties.Count == 0)
        {
            Syntax(PolicyErrorMessages.PrincipalMapEmpty, path, node);
            return null;
        }

        var before = errors.Count;
        var map = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        foreach (var p in node.Properties)
        {
            var typePath = PolicyPath.Child(path, p.Name);
            if (!PrincipalTypes.Contains(p.Name, StringComparer.Ordinal))
            {
                Error(PolicyErrorMessages.SyntaxErrors, PolicyErrorMessages.UnknownPrincipalType(p.Name), typePath, p.NameLocation);
                continue;
            }

            var values = ReadStringList(p.Value, p.Name, typePath, PolicyErrorMessages.SyntaxErrors);
            if (values is null)
            {
                continue;
            }

            foreach (var (value, valueNode, valuePath) in values)
            {
                var valid = p.Name == "AWS" ? IsAwsPrincipal(value) : value.Length > 0;
                if (!valid)
                {
                    Error(PolicyErrorMessages.InvalidPrincipal(p.Name, value),
                        p.Name == "AWS" ? PolicyErrorMessages.InvalidAwsPrincipal(value) : null, valuePath, valueNode.Location);
                }
            }

            map.Add(new(p.Name, values.ConvertAll(v => v.Value)));
        }

        return errors.Count == before ? new PrincipalElement(isNot, false, map) : null;
    }

    private List<ConditionEntry> ReadConditions(JsonNode node, string path)
    {
        var entries = new List<ConditionEntry>();
        if (node.Kind != JsonNodeKind.Object)
        {
            Syntax(PolicyErrorMessages.WrongType("Condition", "an object", node.Describe()), path, node);
            return entries;
        }

        foreach (var op in node.Properties)
        {
            var opPath = PolicyPath.Child(path, op.Name);
            if (!ConditionOperatorCatalog.TryParse(op.Name, out _))
            {
                var detail = ConditionOperatorCatalog.IsNullWithIfExists(op.Name)
                    ? PolicyErrorMessages.NullCannotTakeIfExists(op.Name)
                    : PolicyErrorMessages.UnknownConditionOperator(op.Name);
                Error(PolicyErrorMessages.InvalidConditionType(op.Name), detail, opPath, op.NameLocation);
                continue;
            }

            if (op.Value.Kind != JsonNodeKind.Object)
            {
                Syntax(PolicyErrorMessages.WrongType(op.Name, "an object of condition keys", op.Value.Describe()), opPath, op.Value);
                continue;
            }

            foreach (var key in op.Value.Properties)
            {
                var keyPath = PolicyPath.Child(opPath, key.Name);
                var colon = key.Name.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || colon == key.Name.Length - 1)
                {
                    Error(PolicyErrorMessages.ActionsMustHaveVendor, PolicyErrorMessages.ConditionKeyWithoutVendor, keyPath, key.NameLocation);
                    continue;
                }

                if (ReadConditionValues(key.Value, key.Name, keyPath) is { } values)
                {
                    entries.Add(new ConditionEntry(op.Name, key.Name, values));
                }
            }
        }

        return entries;
    }

    /// <summary>A condition value: a string, number or boolean, or a non-empty array of them (numbers and booleans kept as text).</summary>
    private List<string>? ReadConditionValues(JsonNode node, string key, string path)
    {
        if (node.IsScalar)
        {
            return [node.Text!];
        }

        const string Expected = "a string, number, boolean or an array of them";
        if (node.Kind != JsonNodeKind.Array)
        {
            Syntax(PolicyErrorMessages.WrongType(key, Expected, node.Describe()), path, node);
            return null;
        }

        if (node.Items.Count == 0)
        {
            Syntax(PolicyErrorMessages.EmptyArray(key), path, node);
            return null;
        }

        var values = new List<string>(node.Items.Count);
        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            if (!item.IsScalar)
            {
                Syntax(PolicyErrorMessages.WrongType(key, Expected, $"an array holding {item.Describe()}"), PolicyPath.Item(path, i), item);
                return null;
            }

            values.Add(item.Text!);
        }

        return values;
    }

    /// <summary>A service prefix: letters, digits and hyphens (no wildcards).</summary>
    private static bool IsVendor(ReadOnlySpan<char> vendor)
    {
        if (vendor.IsEmpty)
        {
            return false;
        }

        foreach (var c in vendor)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>*</c>, a 12-digit account id, or an IAM/STS ARN with no wildcard (IAM User Guide, "AWS JSON policy elements: Principal").</summary>
    private static bool IsAwsPrincipal(string value)
    {
        if (value == "*" || (value.Length == 12 && value.All(char.IsAsciiDigit)))
        {
            return true;
        }

        if (!value.StartsWith("arn:", StringComparison.Ordinal) || value.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            return false;
        }

        var parts = value.Split(':', 6);
        return parts.Length == 6 && parts[1].Length > 0 && parts[2] is "iam" or "sts" && parts[4].Length == 12 && parts[5].Length > 0;
    }
}
