namespace IamDb.Aws.Identifiers;

/// <summary>
/// The four-letter prefixes of IAM identifiers (IAM User Guide, "Understanding unique ID prefixes").
/// </summary>
internal static class IamIdPrefixes
{
    /// <summary>IAM user unique id.</summary>
    public const string User = "AIDA";

    /// <summary>IAM group unique id.</summary>
    public const string Group = "AGPA";

    /// <summary>IAM role unique id (also the first half of an assumed-role <c>UserId</c>).</summary>
    public const string Role = "AROA";

    /// <summary>Managed policy unique id.</summary>
    public const string Policy = "ANPA";

    /// <summary>Managed policy version unique id.</summary>
    public const string PolicyVersion = "ANVA";

    /// <summary>Long-term access key id of an IAM user (or root).</summary>
    public const string LongTermAccessKey = "AKIA";

    /// <summary>Temporary access key id issued by STS.</summary>
    public const string TemporaryAccessKey = "ASIA";

    /// <summary>True for the unique-id prefixes (<c>AIDA</c>, <c>AGPA</c>, <c>AROA</c>, <c>ANPA</c>, <c>ANVA</c>).</summary>
    public static bool IsUniqueIdPrefix(string? prefix) => prefix is User or Group or Role or Policy or PolicyVersion;
}
