namespace IamDb.Aws.Errors;

/// <summary>Who is at fault for an error, as AWS's Query protocol reports it in <c>Error/Type</c>.</summary>
internal enum AwsErrorType
{
    /// <summary>The caller sent something wrong (HTTP 4xx).</summary>
    Sender,

    /// <summary>The service failed (HTTP 5xx).</summary>
    Receiver,
}

/// <summary>
/// An error in AWS's terms: the code clients switch on, a message a person can act on, and the HTTP status.
/// Messages never contain secrets.
/// </summary>
/// <param name="Code">AWS's error code, for example <c>SignatureDoesNotMatch</c>.</param>
/// <param name="Message">What went wrong and, where possible, what to do about it.</param>
/// <param name="HttpStatus">The HTTP status code AWS answers with for this error.</param>
internal sealed record AwsError(string Code, string Message, int HttpStatus)
{
    /// <summary>Sender for 4xx statuses, Receiver for 5xx.</summary>
    public AwsErrorType Type => HttpStatus >= 500 ? AwsErrorType.Receiver : AwsErrorType.Sender;
}
