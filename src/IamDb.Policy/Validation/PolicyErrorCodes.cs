namespace IamDb.Policy.Validation;

/// <summary>The AWS error codes a rejected or oversized policy is reported with.</summary>
public static class PolicyErrorCodes
{
    /// <summary>IAM/STS <c>MalformedPolicyDocument</c> (HTTP 400): the document breaks the policy grammar.</summary>
    public const string MalformedPolicyDocument = "MalformedPolicyDocument";

    /// <summary>The generic <c>ValidationError</c> (HTTP 400): the parameter breaks its API constraint (pattern or length).</summary>
    public const string ValidationError = "ValidationError";

    /// <summary>IAM <c>LimitExceeded</c> (HTTP 409): the policy is larger than its quota.</summary>
    public const string LimitExceeded = "LimitExceeded";
}
