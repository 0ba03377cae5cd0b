namespace IamDb.Policy.Parsing;

/// <summary>A position in a policy document's text: 1-based line and 1-based column (in characters).</summary>
/// <param name="Line">The line, starting at 1.</param>
/// <param name="Column">The column, starting at 1.</param>
public readonly record struct SourceLocation(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}";
}
