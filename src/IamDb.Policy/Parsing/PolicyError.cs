using System.Globalization;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Parsing;

/// <summary>
/// One reason a policy document was rejected. <see cref="Message"/> is IAM's own wording (a template in
/// <see cref="PolicyErrorMessages"/>); <see cref="Detail"/> says precisely what is wrong; <see cref="Path"/> and
/// <see cref="Location"/> say where.
/// </summary>
/// <param name="Code">The AWS error code to report: <c>MalformedPolicyDocument</c>, or <c>ValidationError</c> for characters outside IAM's allowed set.</param>
/// <param name="Message">IAM's message, such as <c>Syntax errors in policy.</c></param>
/// <param name="Detail">IamDb's explanation (lowercase, user input in backticks), or null when the message says it all.</param>
/// <param name="Path">The JSON path of the offending element, such as <c>Statement[1].Action</c>; empty for the whole document.</param>
/// <param name="Location">Where the offending element starts in the text, when known.</param>
public sealed record PolicyError(string Code, string Message, string? Detail, string Path, SourceLocation? Location)
{
    /// <summary>The message to return to an API caller: IAM's words, then where, then the detail.</summary>
    public string FullMessage
    {
        get
        {
            var where = Path.Length == 0 ? "document" : Path;
            var at = Location is { } l ? string.Create(CultureInfo.InvariantCulture, $" ({where}, {l})") : $" ({where})";
            return Detail is null ? Message + at : $"{Message}{at}: {Detail}";
        }
    }

    internal static PolicyError Malformed(string message, string? detail, string path, SourceLocation? location) =>
        new(PolicyErrorCodes.MalformedPolicyDocument, message, detail, path, location);

    /// <inheritdoc />
    public override string ToString() => $"{Code}: {FullMessage}";
}
