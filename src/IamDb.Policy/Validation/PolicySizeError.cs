namespace IamDb.Policy.Validation;

/// <summary>A policy (or a principal's inline policies together) is larger than IAM allows.</summary>
/// <param name="Code">The AWS error code: <c>LimitExceeded</c>, or <c>ValidationError</c> for a session policy (an API length constraint).</param>
/// <param name="Message">AWS's message, such as <c>Cannot exceed quota for PolicySize: 6144</c>.</param>
/// <param name="Limit">The limit in counted characters.</param>
/// <param name="Size">The counted size that broke it.</param>
public sealed record PolicySizeError(string Code, string Message, int Limit, int Size);
