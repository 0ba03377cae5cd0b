namespace IamDb.Policy.Compilation;

/// <summary>A statement that could not be compiled; it is skipped during evaluation and reported by explain.</summary>
/// <param name="StatementIndex">Zero-based index of the statement in its document.</param>
/// <param name="Sid">The statement's Sid, if any.</param>
/// <param name="Message">What is wrong, lowercase, with user input in backticks.</param>
public sealed record PolicyCompileError(int StatementIndex, string? Sid, string Message);
