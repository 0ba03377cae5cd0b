namespace IamDb.Policy.Validation;

/// <summary>
/// What IAM accepts in <c>Resource</c>/<c>NotResource</c>: <c>*</c>, or an ARN with six colon-separated parts
/// (the resource part may itself contain colons, and a trailing <c>*</c> may stand for the rest). Wildcards are
/// allowed in every part but the service (IAM User Guide, "IAM JSON policy elements: Resource").
/// </summary>
internal static class ResourceArnRules
{
    private static readonly HashSet<string> Partitions = new(StringComparer.Ordinal)
    {
        "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc",
    };

    /// <summary>Checks one resource value; returns null when valid, else IAM's message and a detail.</summary>
    public static (string Message, string? Detail)? Check(string resource)
    {
        if (resource == "*")
        {
            return null;
        }

        if (!resource.StartsWith("arn:", StringComparison.Ordinal))
        {
            return (PolicyErrorMessages.ResourceNotArn(resource), null);
        }

        var parts = resource.Split(':', 6);

        // `arn:aws:redshift:*` is accepted: a trailing `*` expands beyond colon boundaries.
        var expandsPastColons = parts.Length is >= 3 and < 6 && resource.EndsWith('*');
        if (parts.Length < 6 && !expandsPastColons)
        {
            return (PolicyErrorMessages.ResourceNotArn(resource), PolicyErrorMessages.ResourceTooFewParts);
        }

        var service = parts[2];
        if (service.Length == 0 || service.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            return (PolicyErrorMessages.ResourceVendorNotQualified, null);
        }

        var partition = parts[1];
        if (!Partitions.Contains(partition) && partition.AsSpan().IndexOfAny('*', '?') < 0)
        {
            return (PolicyErrorMessages.PartitionNotValid(partition, resource), null);
        }

        return null;
    }
}
