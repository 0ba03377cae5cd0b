using IamDb.Aws.Errors;

namespace IamDb.Broker.Actions.Iam;

/// <summary>IAM's own error codes and statuses (from the model's error shapes) with AWS's message wording.</summary>
internal static class IamErrors
{
    public const string NoSuchEntityCode = "NoSuchEntity";
    public const string InvalidInputCode = "InvalidInput";
    public const string LimitExceededCode = "LimitExceeded";
    public const string MalformedPolicyDocumentCode = "MalformedPolicyDocument";
    public const string ReportNotPresentCode = "ReportNotPresent";
    public const string ReportExpiredCode = "ReportExpired";

    public static AwsErrorException NoSuchEntity(string message) => new(new AwsError(NoSuchEntityCode, message, 404));

    public static AwsErrorException InvalidInput(string message) => new(new AwsError(InvalidInputCode, message, 400));

    public static AwsErrorException LimitExceeded(string message) => new(new AwsError(LimitExceededCode, message, 409));

    public static AwsErrorException MalformedPolicyDocument(string message) => new(new AwsError(MalformedPolicyDocumentCode, message, 400));

    public static AwsErrorException NoSuchUser(string name) => NoSuchEntity($"The user with name {name} cannot be found.");

    public static AwsErrorException NoSuchGroup(string name) => NoSuchEntity($"The group with name {name} cannot be found.");

    public static AwsErrorException NoSuchRole(string name) => NoSuchEntity($"The role with name {name} cannot be found.");

    public static AwsErrorException NoSuchPolicy(string policyArn) => NoSuchEntity($"Policy {policyArn} was not found.");

    public static AwsErrorException PolicyNotAttachable(string policyArn) => NoSuchEntity($"Policy {policyArn} does not exist or is not attachable.");

    public static AwsErrorException NoSuchPolicyVersion(string policyArn, string versionId) =>
        NoSuchEntity($"Policy {policyArn} version {versionId} does not exist or is not attachable.");

    public static AwsErrorException NoSuchAccessKey(string accessKeyId) => NoSuchEntity($"The Access Key with id {accessKeyId} cannot be found.");

    public static AwsErrorException InvalidArn(string arn) => InvalidInput($"ARN {arn} is not valid.");
}
