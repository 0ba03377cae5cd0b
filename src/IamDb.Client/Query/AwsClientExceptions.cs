using System.Net;

namespace IamDb.Client.Query;

/// <summary>The base of every failure the IamDb client reports for a call to AWS or the broker.</summary>
public abstract class AwsClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected AwsClientException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The signing name of the service called.</summary>
    public string Service { get; protected init; } = string.Empty;

    /// <summary>The action called.</summary>
    public string Action { get; protected init; } = string.Empty;

    /// <summary>True when trying again later may succeed (throttling, a 5xx, a network failure).</summary>
    public abstract bool IsRetryable { get; }
}

/// <summary>
/// The service answered with an AWS error (<c>&lt;ErrorResponse&gt;</c>): its code, message, request id and HTTP status.
/// The message is AWS's own; it never contains secrets.
/// </summary>
public sealed class AwsServiceException : AwsClientException
{
    // botocore's standard-retry throttling codes (botocore/retries/standard.py).
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "InternalFailure", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
    };

    /// <summary>Creates the exception.</summary>
    public AwsServiceException(
        string service, string action, string code, string errorMessage, string? requestId, HttpStatusCode statusCode, string? errorType = null)
        : base(Describe(service, action, code, errorMessage, requestId, statusCode))
    {
        Service = service;
        Action = action;
        Code = code;
        ErrorMessage = errorMessage;
        RequestId = requestId;
        StatusCode = statusCode;
        ErrorType = errorType;
    }

    /// <summary>AWS's error code, e.g. <c>AccessDenied</c>, <c>ClusterNotFound</c>, <c>Throttling</c>.</summary>
    public string Code { get; }

    /// <summary>AWS's error message.</summary>
    public string ErrorMessage { get; }

    /// <summary>The request id (from the body or the <c>x-amzn-RequestId</c> header), when the service sent one.</summary>
    public string? RequestId { get; }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary><c>Sender</c> or <c>Receiver</c>, when given.</summary>
    public string? ErrorType { get; }

    /// <summary>
    /// True for throttling: a throttling code (<c>Throttling</c>, <c>ThrottlingException</c>…), HTTP 429, or AWS's
    /// <c>Rate exceeded</c> message (the signal the Redshift JDBC driver looks for).
    /// </summary>
    public bool IsThrottling =>
        ThrottlingCodes.Contains(Code) || StatusCode == HttpStatusCode.TooManyRequests ||
        ErrorMessage.Contains("Rate exceeded", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for a server-side failure worth retrying (5xx, <c>InternalFailure</c>, <c>ServiceUnavailable</c>).</summary>
    public bool IsTransient => TransientCodes.Contains(Code) || (int)StatusCode >= 500;

    /// <inheritdoc />
    public override bool IsRetryable => IsThrottling || IsTransient;

    private static string Describe(string service, string action, string code, string message, string? requestId, HttpStatusCode status) =>
        $"{service} {action} failed with {code} (HTTP {(int)status}{(requestId is null ? string.Empty : ", request id " + requestId)}): {message}";
}

/// <summary>The call did not get an answer: connection refused, DNS, TLS, timeout, or a reply that is not AWS XML.</summary>
public sealed class AwsNetworkException : AwsClientException
{
    /// <summary>Creates the exception.</summary>
    public AwsNetworkException(string service, string action, Uri endpoint, string reason, Exception? innerException = null)
        : base($"{service} {action} at {endpoint.GetLeftPart(UriPartial.Authority)} failed: {reason}", innerException)
    {
        Service = service;
        Action = action;
        Endpoint = endpoint;
    }

    /// <summary>The endpoint called.</summary>
    public Uri Endpoint { get; }

    /// <inheritdoc />
    public override bool IsRetryable => true;
}
