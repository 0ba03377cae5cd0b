using System.Diagnostics.CodeAnalysis;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Signing;

/// <summary>How a request carried its signature.</summary>
internal enum SigV4AuthenticationKind
{
    /// <summary>An <c>Authorization</c> header.</summary>
    Header,

    /// <summary>Presigned <c>X-Amz-*</c> query parameters.</summary>
    Query,
}

/// <summary>Why verification failed, finer than the AWS error code (for audit and logs; clients see only the code).</summary>
internal enum SigV4FailureReason
{
    /// <summary>Verification succeeded.</summary>
    None,

    /// <summary>No Authorization header and no presigned parameters.</summary>
    MissingAuthentication,

    /// <summary>The Authorization header or presigned parameters are incomplete or malformed.</summary>
    MalformedAuthentication,

    /// <summary>The query string has a bad escape or bad UTF-8.</summary>
    MalformedQueryString,

    /// <summary>A size or count limit was exceeded.</summary>
    LimitExceeded,

    /// <summary>The credential scope's date, region, service or terminator is wrong.</summary>
    InvalidScope,

    /// <summary>The signing time is outside the allowed clock window.</summary>
    ClockSkew,

    /// <summary>The presigned URL has expired.</summary>
    PresignedUrlExpired,

    /// <summary><c>X-Amz-Content-SHA256</c> is not the body's hash.</summary>
    PayloadHashMismatch,

    /// <summary>The access key is unknown or inactive.</summary>
    UnknownAccessKey,

    /// <summary>The session token is missing, unknown or issued with another key.</summary>
    InvalidSessionToken,

    /// <summary>The session token has expired.</summary>
    ExpiredSessionToken,

    /// <summary>The signature is wrong.</summary>
    SignatureMismatch,
}

/// <summary>Who signed a verified request, and for which scope.</summary>
internal sealed class SigV4Identity
{
    internal SigV4Identity(
        string accessKeyId, string? sessionToken, string region, string service, DateTimeOffset signingTime,
        SigV4AuthenticationKind kind, object? context)
    {
        AccessKeyId = accessKeyId;
        SessionToken = sessionToken;
        Region = region;
        Service = service;
        SigningTime = signingTime;
        Kind = kind;
        Context = context;
    }

    /// <summary>The access key id that signed.</summary>
    public string AccessKeyId { get; }

    /// <summary>The session token sent with the request, or null. A secret: never log it.</summary>
    public string? SessionToken { get; }

    /// <summary>The region of the credential scope.</summary>
    public string Region { get; }

    /// <summary>The service of the credential scope (e.g. <c>iam</c>, <c>sts</c>, <c>redshift</c>).</summary>
    public string Service { get; }

    /// <summary>The signing time (<c>X-Amz-Date</c>).</summary>
    public DateTimeOffset SigningTime { get; }

    /// <summary>Header or presigned query.</summary>
    public SigV4AuthenticationKind Kind { get; }

    /// <summary>The context the secret source returned with the key.</summary>
    public object? Context { get; }

    /// <summary>Everything except the session token.</summary>
    public override string ToString() =>
        $"SigV4Identity {{ AccessKeyId = {AccessKeyId}, Region = {Region}, Service = {Service}, Kind = {Kind}, SessionToken = {(SessionToken is null ? "none" : "***")} }}";
}

/// <summary>The outcome of <see cref="SigV4Verifier.VerifyAsync(SigV4ReceivedRequest, CancellationToken)"/>: an identity, or an AWS error to return.</summary>
internal sealed class SigV4VerificationResult
{
    private SigV4VerificationResult(SigV4Identity? identity, AwsError? error, SigV4FailureReason reason, string? attemptedAccessKeyId = null)
    {
        Identity = identity;
        Error = error;
        FailureReason = reason;
        AttemptedAccessKeyId = attemptedAccessKeyId;
    }

    /// <summary>True when the signature is valid.</summary>
    [MemberNotNullWhen(true, nameof(Identity))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Identity is not null;

    /// <summary>The verified identity when <see cref="IsSuccess"/>.</summary>
    public SigV4Identity? Identity { get; }

    /// <summary>The error to answer with when not <see cref="IsSuccess"/>.</summary>
    public AwsError? Error { get; }

    /// <summary>Why it failed, for audit.</summary>
    public SigV4FailureReason FailureReason { get; }

    /// <summary>
    /// When verification failed: the access key id the request named, if one could be read and has the shape of one
    /// (letters, digits and <c>_</c>, at most 128 characters); otherwise null. An access key id is not a secret: it is
    /// what audit and logs record about who tried. Null on success (see <see cref="SigV4Identity.AccessKeyId"/>).
    /// </summary>
    public string? AttemptedAccessKeyId { get; }

    internal static SigV4VerificationResult Success(SigV4Identity identity) => new(identity, null, SigV4FailureReason.None);

    internal static SigV4VerificationResult Failure(SigV4FailureReason reason, AwsError error, string? attemptedAccessKeyId = null) =>
        new(null, error, reason, attemptedAccessKeyId);

    internal SigV4VerificationResult WithAttemptedAccessKeyId(string? accessKeyId) =>
        accessKeyId is null || IsSuccess ? this : new(null, Error, FailureReason, accessKeyId);

    /// <summary>A short description without secrets.</summary>
    public override string ToString() => IsSuccess
        ? $"Success: {Identity}"
        : $"Failure ({FailureReason}{(AttemptedAccessKeyId is null ? "" : ", key " + AttemptedAccessKeyId)}): {Error.Code}: {Error.Message}";
}
