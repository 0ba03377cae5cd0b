namespace IamDb.Policy.Evaluation;

/// <summary>Names of condition keys the broker sets or the context derives.</summary>
public static class ContextKeys
{
    /// <summary><c>aws:CurrentTime</c>: derived from <see cref="RequestContext.CurrentTime"/>.</summary>
    public const string CurrentTime = "aws:CurrentTime";

    /// <summary><c>aws:EpochTime</c>: derived from <see cref="RequestContext.CurrentTime"/>.</summary>
    public const string EpochTime = "aws:EpochTime";

    /// <summary><c>aws:SourceIp</c>: derived from <see cref="RequestContext.SourceIp"/>.</summary>
    public const string SourceIp = "aws:SourceIp";

    /// <summary><c>aws:SecureTransport</c>: derived from <see cref="RequestContext.SecureTransport"/>.</summary>
    public const string SecureTransport = "aws:SecureTransport";

    /// <summary><c>aws:RequestedRegion</c>: derived from <see cref="RequestContext.RequestedRegion"/>.</summary>
    public const string RequestedRegion = "aws:RequestedRegion";

    /// <summary><c>aws:userid</c>: derived from the principal.</summary>
    public const string UserId = "aws:userid";

    /// <summary><c>aws:username</c>: derived from the principal (IAM users only).</summary>
    public const string UserName = "aws:username";

    /// <summary><c>aws:PrincipalArn</c>: derived from the principal (the role ARN for role sessions).</summary>
    public const string PrincipalArn = "aws:PrincipalArn";

    /// <summary><c>aws:PrincipalAccount</c>: derived from the principal.</summary>
    public const string PrincipalAccount = "aws:PrincipalAccount";

    /// <summary><c>aws:PrincipalType</c>: derived from the principal.</summary>
    public const string PrincipalType = "aws:PrincipalType";

    /// <summary><c>aws:PrincipalTag/</c> prefix: derived from the principal's tags.</summary>
    public const string PrincipalTagPrefix = "aws:PrincipalTag/";

    /// <summary><c>redshift:DbUser</c>: the requested database user (without <c>IAM:</c> prefix).</summary>
    public const string RedshiftDbUser = "redshift:DbUser";

    /// <summary><c>redshift:DbName</c>: the requested database.</summary>
    public const string RedshiftDbName = "redshift:DbName";

    /// <summary><c>redshift:DurationSeconds</c>: the requested credential lifetime, as text.</summary>
    public const string RedshiftDurationSeconds = "redshift:DurationSeconds";
}
