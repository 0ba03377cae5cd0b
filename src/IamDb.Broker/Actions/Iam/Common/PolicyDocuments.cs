using IamDb.Aws.Errors;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Broker.Actions.Iam;

/// <summary>Validates submitted policy documents with IamDb.Policy: grammar (MalformedPolicyDocument) and size (LimitExceeded).</summary>
internal static class PolicyDocuments
{
    /// <summary>Throws AWS's error for the first problem of <paramref name="json"/> as a <paramref name="kind"/> policy.</summary>
    public static void Validate(string json, PolicyKind kind, string entityName = "")
    {
        var parsed = PolicyParser.Parse(json, kind);
        if (!parsed.IsValid)
        {
            var first = parsed.Errors[0];
            var status = first.Code == PolicyErrorCodes.LimitExceeded ? 409 : 400;
            throw new AwsErrorException(new AwsError(first.Code, first.FullMessage, status));
        }

        // Inline kinds are checked as an aggregate by the caller.
        if (kind is not (PolicyKind.InlineUser or PolicyKind.InlineGroup or PolicyKind.InlineRole))
        {
            ThrowIfTooLarge(PolicySizeLimits.Check(json, kind, entityName));
        }
    }

    public static void ThrowIfTooLarge(PolicySizeError? error)
    {
        if (error is not null)
        {
            throw new AwsErrorException(new AwsError(error.Code, error.Message, error.Code == PolicyErrorCodes.LimitExceeded ? 409 : 400));
        }
    }
}
