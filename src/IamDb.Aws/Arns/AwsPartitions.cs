namespace IamDb.Aws.Arns;

/// <summary>The AWS partitions an ARN may name.</summary>
internal static class AwsPartitions
{
    /// <summary>Commercial regions.</summary>
    public const string Aws = "aws";

    /// <summary>China regions.</summary>
    public const string AwsCn = "aws-cn";

    /// <summary>GovCloud (US) regions.</summary>
    public const string AwsUsGov = "aws-us-gov";

    /// <summary>True for <c>aws</c>, <c>aws-cn</c> and <c>aws-us-gov</c>.</summary>
    public static bool IsKnown(string? partition) => partition is Aws or AwsCn or AwsUsGov;
}
