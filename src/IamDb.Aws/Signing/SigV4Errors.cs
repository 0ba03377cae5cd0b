using IamDb.Aws.Errors;

namespace IamDb.Aws.Signing;

/// <summary>
/// AWS's SigV4 error codes, statuses and message texts (from AWS responses quoted in public issues and from
/// faithful emulators; docs/aws-protocol.md lists them). Messages never contain secrets.
/// </summary>
internal static class SigV4Errors
{
    public const string SignatureMismatchText =
        "The request signature we calculated does not match the signature you provided. " +
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    public const string MissingAuthenticationText = "Request is missing Authentication Token";
    public const string InvalidClientTokenIdText = "The security token included in the request is invalid.";
    public const string ExpiredTokenText = "The security token included in the request is expired";
    public const string RequestExpiredText = "Request has expired";

    public const string HostNotSignedText = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";

    public static readonly AwsError MissingAuthentication = new(AwsErrorCodes.MissingAuthenticationToken, MissingAuthenticationText, 403);
    public static readonly AwsError InvalidClientTokenId = new(AwsErrorCodes.InvalidClientTokenId, InvalidClientTokenIdText, 403);
    public static readonly AwsError ExpiredToken = new(AwsErrorCodes.ExpiredToken, ExpiredTokenText, 403);
    public static readonly AwsError RequestExpired = new(AwsErrorCodes.RequestExpired, RequestExpiredText, 400);
    public static readonly AwsError SignatureMismatch = new(AwsErrorCodes.SignatureDoesNotMatch, SignatureMismatchText, 403);

    public static AwsError Incomplete(string message) => new(AwsErrorCodes.IncompleteSignature, message, 400);

    public static AwsError DoesNotMatch(string message) => new(AwsErrorCodes.SignatureDoesNotMatch, message, 403);

    public static AwsError MalformedQuery(string message) => new(AwsErrorCodes.MalformedQueryString, message, 400);

    public static AwsError SignatureMismatchWithDetails(string canonicalRequest, string stringToSign) => DoesNotMatch(
        SignatureMismatchText + "\n\nThe Canonical String for this request should have been\n'" + canonicalRequest +
        "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n");

    public static AwsError SignatureExpired(string amzDate, DateTimeOffset now, TimeSpan skew) => DoesNotMatch(
        $"Signature expired: {amzDate} is now earlier than {AmzDate.Format(now - skew)} ({AmzDate.Format(now)} - {Minutes(skew)} min.)");

    public static AwsError SignatureNotYetCurrent(string amzDate, DateTimeOffset now, TimeSpan skew) => DoesNotMatch(
        $"Signature not yet current: {amzDate} is still later than {AmzDate.Format(now + skew)} ({AmzDate.Format(now)} + {Minutes(skew)} min.)");

    private static string Minutes(TimeSpan skew) =>
        skew.TotalMinutes.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
