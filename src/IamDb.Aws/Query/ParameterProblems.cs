using System.Text;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Query;

/// <summary>One thing wrong with one parameter, kept in both AWS vocabularies until the style is applied.</summary>
/// <param name="WireName">The parameter as sent, e.g. <c>Tags.member.2.Key</c>.</param>
/// <param name="MemberPath">The model path Coral reports, e.g. <c>tags.2.member.key</c>.</param>
/// <param name="Value">The offending value; null when the parameter is missing.</param>
/// <param name="Sensitive">True when the value must not be echoed.</param>
/// <param name="Constraint">The Coral constraint text, e.g. <c>Member must have length less than or equal to 64</c>.</param>
/// <param name="IsMissing">True when a required parameter is absent.</param>
internal sealed record ParameterProblem(
    string WireName, string MemberPath, string? Value, bool Sensitive, string Constraint, bool IsMissing = false);

/// <summary>Collects problems for a reader and its item readers, and renders them in one style.</summary>
internal sealed class ParameterProblems
{
    // Echoing a 128 KiB policy document back in an error helps nobody; AWS's own limit is unknown.
    internal const int MaxEchoedValueLength = 256;

    private readonly List<ParameterProblem> _items = [];

    public int Count => _items.Count;

    public IReadOnlyList<ParameterProblem> Items => _items;

    public void Add(ParameterProblem problem) => _items.Add(problem);

    public AwsError? ToError(QueryValidationStyle style)
    {
        if (_items.Count == 0)
        {
            return null;
        }

        return style == QueryValidationStyle.ValidationError ? ToValidationError() : ToInvalidParameterValue(_items[0]);
    }

    private AwsError ToValidationError()
    {
        var sb = new StringBuilder();
        sb.Append(_items.Count).Append(_items.Count == 1 ? " validation error detected: " : " validation errors detected: ");
        for (var i = 0; i < _items.Count; i++)
        {
            var p = _items[i];
            if (i > 0)
            {
                sb.Append("; ");
            }

            sb.Append("Value ");
            if (p.IsMissing)
            {
                sb.Append("null ");
            }
            else if (!p.Sensitive && p.Value is not null)
            {
                // A sensitive member is rendered as Coral does it: no value at all.
                sb.Append('\'').Append(Echo(p.Value)).Append("' ");
            }

            sb.Append("at '").Append(p.MemberPath).Append("' failed to satisfy constraint: ").Append(p.Constraint);
        }

        return new AwsError(AwsErrorCodes.ValidationError, sb.ToString(), 400);
    }

    private static AwsError ToInvalidParameterValue(ParameterProblem p)
    {
        if (p.IsMissing)
        {
            return QueryErrors.MissingParameter(p.WireName);
        }

        var message = p.Sensitive
            ? $"Invalid value for parameter {p.WireName}: {p.Constraint}"
            : $"Invalid value '{Echo(p.Value ?? string.Empty)}' for parameter {p.WireName}: {p.Constraint}";
        return new AwsError(AwsErrorCodes.InvalidParameterValue, message, 400);
    }

    private static string Echo(string value) =>
        value.Length <= MaxEchoedValueLength ? value : string.Concat(value.AsSpan(0, MaxEchoedValueLength), "...");
}
