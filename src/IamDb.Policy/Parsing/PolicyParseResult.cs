using IamDb.Policy.Model;

namespace IamDb.Policy.Parsing;

/// <summary>
/// The outcome of <see cref="PolicyParser.Parse"/>: the document when it is valid, otherwise every error found.
/// </summary>
public sealed class PolicyParseResult
{
    internal PolicyParseResult(PolicyDocument? document, IReadOnlyList<PolicyError> errors, IReadOnlyList<StatementSpan> statementSpans)
    {
        Document = document;
        Errors = errors;
        StatementSpans = statementSpans;
    }

    /// <summary>The parsed document; null when <see cref="Errors"/> is not empty.</summary>
    public PolicyDocument? Document { get; }

    /// <summary>Why the document was rejected, in document order; empty when it is valid.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    /// <summary>True when the document parsed and passed validation for its kind.</summary>
    public bool IsValid => Document is not null;

    /// <summary>Where each statement starts and ends, by statement index (for explanations and simulator positions).</summary>
    public IReadOnlyList<StatementSpan> StatementSpans { get; }
}
