using System.Text;
using IamDb.Policy.Parsing.Json;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Parsing;

/// <summary>
/// Parses and validates IAM policy documents the way IAM does, in two steps: text → JSON tree with positions
/// (rejecting malformed JSON and duplicate keys), then tree → <see cref="Model.PolicyDocument"/> under the grammar and
/// the rules of a <see cref="PolicyKind"/>. Never throws on bad input.
/// </summary>
public static class PolicyParser
{
    /// <summary>Parses <paramref name="json"/> as a policy of the given kind.</summary>
    /// <param name="json">The policy document text.</param>
    /// <param name="kind">Where the policy is used; decides which elements are required or prohibited.</param>
    /// <returns>The document, or every error found with IAM's message, JSON path, line and column.</returns>
    public static PolicyParseResult Parse(string json, PolicyKind kind)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = new List<PolicyError>();

        // The API rejects characters outside its pattern before IAM reads the JSON at all.
        var bad = DocumentCharacters.FindFirstDisallowed(json);
        if (bad >= 0)
        {
            errors.Add(new PolicyError(PolicyErrorCodes.ValidationError, PolicyErrorMessages.CharactersNotAllowed,
                PolicyErrorMessages.CharacterNotAllowed(json[bad]), "", Locate(json, bad)));
            return new PolicyParseResult(null, errors, []);
        }

        var utf8 = Encoding.UTF8.GetBytes(json);
        var root = JsonTreeReader.Read(utf8, new LineMap(utf8), errors);
        if (root is null)
        {
            return new PolicyParseResult(null, errors, []);
        }

        var reader = new PolicyDocumentReader(kind, errors);
        var document = reader.Read(root);
        errors.Sort((a, b) => Compare(a.Location, b.Location));
        return new PolicyParseResult(errors.Count == 0 ? document : null, errors, reader.StatementSpans);
    }

    private static int Compare(SourceLocation? a, SourceLocation? b)
    {
        var x = a ?? default;
        var y = b ?? default;
        return x.Line != y.Line ? x.Line.CompareTo(y.Line) : x.Column.CompareTo(y.Column);
    }

    private static SourceLocation Locate(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return new SourceLocation(line, index - lineStart + 1);
    }
}
