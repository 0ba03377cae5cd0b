namespace IamDb.Aws.Errors;

/// <summary>AWS error codes used by IAM, STS and Redshift's Query APIs.</summary>
/// <remarks>Source: the "Common Errors" pages of the IAM, STS and Redshift API references.</remarks>
internal static class AwsErrorCodes
{
#pragma warning disable CS1591 // The names are the documentation.
    #region Authentication (SigV4)
    public const string MissingAuthenticationToken = nameof(MissingAuthenticationToken);
    public const string IncompleteSignature = nameof(IncompleteSignature);
    public const string InvalidClientTokenId = nameof(InvalidClientTokenId);
    public const string SignatureDoesNotMatch = nameof(SignatureDoesNotMatch);
    public const string ExpiredToken = nameof(ExpiredToken);
    public const string RequestExpired = nameof(RequestExpired);
    public const string MalformedQueryString = nameof(MalformedQueryString);
    #endregion

    #region Request
    public const string InvalidAction = nameof(InvalidAction);
    public const string MissingAction = nameof(MissingAction);
    public const string MissingParameter = nameof(MissingParameter);
    public const string InvalidParameterValue = nameof(InvalidParameterValue);
    public const string InvalidParameterCombination = nameof(InvalidParameterCombination);
    public const string InvalidQueryParameter = nameof(InvalidQueryParameter);
    public const string ValidationError = nameof(ValidationError);
    public const string RequestEntityTooLarge = nameof(RequestEntityTooLarge);
    public const string Throttling = nameof(Throttling);
    public const string AccessDenied = nameof(AccessDenied);
    #endregion

    #region Service
    public const string InternalFailure = nameof(InternalFailure);
    public const string ServiceUnavailable = nameof(ServiceUnavailable);
    #endregion
#pragma warning restore CS1591
}
