namespace IamDb.Broker.Requests;

/// <summary>What kind of principal signed a request.</summary>
internal enum CallerKind
{
    /// <summary>The account's root user (long-term root access key).</summary>
    Root,

    /// <summary>An IAM user with a long-term access key (AKIA…).</summary>
    User,

    /// <summary>A role session from <c>sts:AssumeRole</c> (ASIA… key with a session token).</summary>
    AssumedRole,

    /// <summary>A session from <c>sts:GetSessionToken</c> of a user or root: same permissions as the user, temporary key.</summary>
    UserSession,

    /// <summary>
    /// Nobody signed: an unsigned <c>AssumeRoleWithWebIdentity</c> or <c>AssumeRoleWithSAML</c> call whose token or
    /// assertion is the credential. It has no policies and is never a user or root; its handler establishes who it is.
    /// </summary>
    TokenBearer,
}

/// <summary>
/// The authenticated caller of a request, resolved by the pipeline from the access key (and session)
/// before any handler runs. Handlers use it for defaults (CreateAccessKey without UserName means the
/// caller's own user) and for GetCallerIdentity; authorization loads its policies.
/// </summary>
internal sealed record CallerIdentity
{
    public required CallerKind Kind { get; init; }

    /// <summary>The 12-digit account id.</summary>
    public required string AccountId { get; init; }

    /// <summary>The caller's ARN as GetCallerIdentity reports it (user ARN, root ARN, or assumed-role session ARN).</summary>
    public required string Arn { get; init; }

    /// <summary>GetCallerIdentity's UserId: the user's AIDA… id, the account id for root, <c>AROA…:session</c> for a role session.</summary>
    public required string UserId { get; init; }

    /// <summary>The access key id that signed the request.</summary>
    public required string AccessKeyId { get; init; }

    /// <summary>The IAM user name for <see cref="CallerKind.User"/> and user sessions; null otherwise.</summary>
    public string? UserName { get; init; }

    /// <summary>The role name for <see cref="CallerKind.AssumedRole"/>; null otherwise.</summary>
    public string? RoleName { get; init; }

    /// <summary>The role session name for <see cref="CallerKind.AssumedRole"/>; null otherwise.</summary>
    public string? SessionName { get; init; }

    /// <summary>The ARN of the IAM entity behind the caller: the user, the role, or the account root.</summary>
    public required string PrincipalEntityArn { get; init; }

    /// <summary>The session's id in the store when the caller signed with temporary credentials.</summary>
    public string? SessionAccessKeyId { get; init; }

    /// <summary>
    /// The caller of an unsigned token-bearing STS call in <paramref name="accountId"/> (the broker's account): no access
    /// key, no policies, ARN <c>anonymous</c> until its handler has verified the token or assertion.
    /// </summary>
    public static CallerIdentity TokenBearer(string accountId) => new()
    {
        Kind = CallerKind.TokenBearer,
        AccountId = accountId,
        Arn = "anonymous",
        UserId = "anonymous",
        AccessKeyId = string.Empty,
        PrincipalEntityArn = "anonymous",
    };

    /// <summary>True for root and for root's GetSessionToken sessions.</summary>
    public bool IsRoot => Kind == CallerKind.Root || (Kind == CallerKind.UserSession && UserName is null);
}
