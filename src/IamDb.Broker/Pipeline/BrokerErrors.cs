using IamDb.Aws.Errors;
using IamDb.Broker.State;

namespace IamDb.Broker.Pipeline;

/// <summary>The pipeline's own errors and the mapping of store outcomes to AWS's codes (IAM's error shapes).</summary>
internal static class BrokerErrors
{
    public const string InternalFailureText = "The request processing has failed because of an unknown error, exception or failure.";

    public static AwsError InternalFailure { get; } = new(AwsErrorCodes.InternalFailure, InternalFailureText, 500);

    public static AwsError Throttling { get; } = new(AwsErrorCodes.Throttling, "Rate exceeded", 400);

    public static AwsError ServiceUnavailable { get; } =
        new(AwsErrorCodes.ServiceUnavailable, "The request has failed due to a temporary failure of the server.", 503);

    public static AwsError BodyTooLarge(int limit) =>
        new(AwsErrorCodes.RequestEntityTooLarge, $"Request body must be at most {limit} bytes.", 413);

    public static AwsError BodyIncomplete { get; } =
        new(AwsErrorCodes.MalformedQueryString, "The request body could not be read completely.", 400);

    /// <summary>Maps a store outcome to IAM's error (codes and statuses from iam.service-2.json).</summary>
    public static AwsError FromState(StateException exception) => exception switch
    {
        EntityAlreadyExistsException e => new("EntityAlreadyExists", e.Message, 409),
        NoSuchEntityException e => new("NoSuchEntity", e.Message, 404),
        DeleteConflictException e => new("DeleteConflict", e.Message, 409),
        StateLimitExceededException e => new("LimitExceeded", e.Message, 409),
        InvalidMarkerException e => new("InvalidInput", e.Message, 400),
        _ => InternalFailure,
    };
}
