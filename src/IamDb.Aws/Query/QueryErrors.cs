using IamDb.Aws.Errors;

namespace IamDb.Aws.Query;

/// <summary>
/// The request-level errors of the Query protocol, with the wording AWS uses where it is known.
/// </summary>
internal static class QueryErrors
{
    /// <summary>
    /// <c>MissingAction</c> (400) for a request without an <c>Action</c> parameter (or with an empty one).
    /// The text is the one on AWS's "Common Errors" page.
    /// </summary>
    public static AwsError MissingAction() =>
        new(AwsErrorCodes.MissingAction, "The request is missing an action or a required parameter.", 400);

    /// <summary>
    /// <c>InvalidAction</c> (400) for an action the service does not implement at <paramref name="version"/>:
    /// <c>Could not find operation Foo for version 2010-05-08</c>, as IAM, STS and SNS answer;
    /// a missing version reads <c>NO_VERSION_SPECIFIED</c>.
    /// </summary>
    public static AwsError InvalidAction(string action, string? version) =>
        new(
            AwsErrorCodes.InvalidAction,
            $"Could not find operation {action} for version {(string.IsNullOrEmpty(version) ? "NO_VERSION_SPECIFIED" : version)}",
            400);

    /// <summary><c>MissingParameter</c> (400): <c>The request must contain the parameter X</c>.</summary>
    public static AwsError MissingParameter(string name) =>
        new(AwsErrorCodes.MissingParameter, $"The request must contain the parameter {name}", 400);
}
