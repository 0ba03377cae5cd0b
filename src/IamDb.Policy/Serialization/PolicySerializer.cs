using System.Globalization;
using System.Text;
using IamDb.Policy.Model;

namespace IamDb.Policy.Serialization;

/// <summary>
/// Writes a <see cref="PolicyDocument"/> as canonical JSON: compact, elements in a fixed order
/// (Version, Id, Statement; Sid, Effect, Principal, Action, Resource, Condition), <c>Statement</c> always an
/// array, one value as a plain string and several as an array, condition values as strings. Parsing the
/// output gives back an equal document, and serializing that gives the same text.
/// </summary>
public static class PolicySerializer
{
    /// <summary>Serializes <paramref name="document"/> to canonical JSON.</summary>
    /// <param name="document">The document to write.</param>
    /// <returns>The JSON text; every character is inside IAM's allowed set (others are escaped).</returns>
    public static string Serialize(PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var sb = new StringBuilder(256);
        sb.Append('{');
        var first = true;
        if (document.Version is { } version)
        {
            Name(sb, "Version", ref first);
            WriteString(sb, version);
        }

        if (document.Id is { } id)
        {
            Name(sb, "Id", ref first);
            WriteString(sb, id);
        }

        Name(sb, "Statement", ref first);
        sb.Append('[');
        for (var i = 0; i < document.Statements.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            WriteStatement(sb, document.Statements[i]);
        }

        sb.Append("]}");
        return sb.ToString();
    }

    private static void WriteStatement(StringBuilder sb, PolicyStatement statement)
    {
        sb.Append('{');
        var first = true;
        if (statement.Sid is { } sid)
        {
            Name(sb, "Sid", ref first);
            WriteString(sb, sid);
        }

        Name(sb, "Effect", ref first);
        WriteString(sb, statement.Effect == PolicyEffect.Allow ? "Allow" : "Deny");

        if (statement.Principal is { } principal)
        {
            Name(sb, principal.IsNot ? "NotPrincipal" : "Principal", ref first);
            if (principal.IsWildcard)
            {
                WriteString(sb, "*");
            }
            else
            {
                sb.Append('{');
                var firstType = true;
                foreach (var (type, ids) in principal.Values)
                {
                    Name(sb, type, ref firstType);
                    WriteValues(sb, ids);
                }

                sb.Append('}');
            }
        }

        Name(sb, statement.Action.IsNot ? "NotAction" : "Action", ref first);
        WriteValues(sb, statement.Action.Values);

        if (statement.Resource is { } resource)
        {
            Name(sb, resource.IsNot ? "NotResource" : "Resource", ref first);
            WriteValues(sb, resource.Values);
        }

        if (statement.Conditions.Count > 0)
        {
            Name(sb, "Condition", ref first);
            WriteConditions(sb, statement.Conditions);
        }

        sb.Append('}');
    }

    /// <summary>Groups the flat condition entries back under their operators, in order of first appearance.</summary>
    private static void WriteConditions(StringBuilder sb, IReadOnlyList<ConditionEntry> conditions)
    {
        sb.Append('{');
        var firstOperator = true;
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in conditions)
        {
            if (!written.Add(entry.Operator))
            {
                continue;
            }

            Name(sb, entry.Operator, ref firstOperator);
            sb.Append('{');
            var firstKey = true;
            foreach (var same in conditions)
            {
                if (string.Equals(same.Operator, entry.Operator, StringComparison.Ordinal))
                {
                    Name(sb, same.Key, ref firstKey);
                    WriteValues(sb, same.Values);
                }
            }

            sb.Append('}');
        }

        sb.Append('}');
    }

    private static void WriteValues(StringBuilder sb, IReadOnlyList<string> values)
    {
        if (values.Count == 1)
        {
            WriteString(sb, values[0]);
            return;
        }

        sb.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            WriteString(sb, values[i]);
        }

        sb.Append(']');
    }

    private static void Name(StringBuilder sb, string name, ref bool first)
    {
        if (!first)
        {
            sb.Append(',');
        }

        first = false;
        WriteString(sb, name);
        sb.Append(':');
    }

    /// <summary>
    /// Escapes only what JSON requires plus characters outside IAM's allowed set (U+0009, U+000A, U+000D,
    /// U+0020–U+00FF), so the output is readable and always acceptable to IAM.
    /// </summary>
    private static void WriteString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case < '\u0020' or > '\u00FF':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }
}
