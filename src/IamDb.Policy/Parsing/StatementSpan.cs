namespace IamDb.Policy.Parsing;

/// <summary>Where a statement object starts and ends in the text (for <c>MatchedStatements</c> positions and explanations).</summary>
/// <param name="Start">The opening brace.</param>
/// <param name="End">Just past the closing brace.</param>
public readonly record struct StatementSpan(SourceLocation Start, SourceLocation End);
