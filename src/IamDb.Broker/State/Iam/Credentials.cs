using IamDb.Broker.Secrets;

namespace IamDb.Broker.State.Iam;

/// <summary>Access key status.</summary>
internal enum AccessKeyStatus
{
    Active,
    Inactive,
}

/// <summary>
/// A long-term access key (AKIA…). <see cref="UserId"/> is null for the account root's keys. The secret is
/// encrypted at rest and redacted in <see cref="object.ToString"/>.
/// </summary>
internal sealed record AccessKey(
    string AccessKeyId,
    string AccountId,
    string? UserId,
    SecretString SecretAccessKey,
    AccessKeyStatus Status,
    DateTimeOffset CreatedAt)
{
    public DateTimeOffset? LastUsedAt { get; init; }

    public string? LastUsedService { get; init; }

    public string? LastUsedRegion { get; init; }
}

/// <summary>How an STS session came to be.</summary>
internal enum SessionKind
{
    /// <summary>AssumeRole and friends: the principal is an assumed-role ARN.</summary>
    AssumedRole,

    /// <summary>GetSessionToken: the principal is the calling user (or root).</summary>
    SessionToken,

    /// <summary>GetFederationToken.</summary>
    FederatedUser,
}

/// <summary>
/// Temporary credentials (ASIA…). Only a SHA-256 hash of the session token is kept
/// (<see cref="SessionTokens.Hash"/>); the secret is encrypted at rest.
/// </summary>
internal sealed record StsSession(
    string AccessKeyId,
    string AccountId,
    SecretString SecretAccessKey,
    byte[] TokenHash,
    SessionKind Kind,
    string PrincipalArn,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>The role assumed (AssumedRole only).</summary>
    public string? RoleArn { get; init; }

    public string? RoleId { get; init; }

    public string? RoleSessionName { get; init; }

    /// <summary>The user behind a GetSessionToken/GetFederationToken session; null for root.</summary>
    public string? UserId { get; init; }

    /// <summary>Inline session policy document, if any.</summary>
    public string? SessionPolicy { get; init; }

    public IReadOnlyList<string> SessionPolicyArns { get; init; } = [];

    public IReadOnlyList<Tag> SessionTags { get; init; } = [];

    public IReadOnlyList<string> TransitiveTagKeys { get; init; } = [];

    public string? SourceIdentity { get; init; }
}

/// <summary>Session token hashing: the store looks sessions up by this hash and never keeps the token.</summary>
internal static class SessionTokens
{
    public static byte[] Hash(string sessionToken) =>
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sessionToken));
}

/// <summary>Long-term access keys.</summary>
internal interface IAccessKeyReader
{
    /// <summary>The key by id (the SigV4 authentication lookup), with its decrypted secret.</summary>
    Task<AccessKey?> GetAsync(string accessKeyId, CancellationToken cancellationToken);

    /// <summary>Keys of a user (null: the account root) in creation order.</summary>
    Task<IReadOnlyList<AccessKey>> ListAsync(string accountId, string? userId, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IAccessKeyReader"/>
internal interface IAccessKeyWriter : IAccessKeyReader
{
    /// <exception cref="StateLimitExceededException">the user (or root) already has two keys.</exception>
    /// <exception cref="EntityAlreadyExistsException">the access key id is taken.</exception>
    Task<AccessKey> CreateAsync(AccessKey key, CancellationToken cancellationToken);

    Task<bool> SetStatusAsync(string accessKeyId, AccessKeyStatus status, CancellationToken cancellationToken);

    /// <summary>Records a use (GetAccessKeyLastUsed); false if the key is gone.</summary>
    Task<bool> RecordUseAsync(string accessKeyId, DateTimeOffset at, string service, string region, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string accessKeyId, CancellationToken cancellationToken);
}

/// <summary>STS sessions.</summary>
internal interface ISessionReader
{
    Task<StsSession?> GetAsync(string accessKeyId, CancellationToken cancellationToken);

    /// <summary>The session whose token hashes to <paramref name="tokenHash"/>, expired or not (callers report ExpiredToken).</summary>
    Task<StsSession?> GetByTokenHashAsync(byte[] tokenHash, CancellationToken cancellationToken);
}

/// <inheritdoc cref="ISessionReader"/>
internal interface ISessionWriter : ISessionReader
{
    Task<StsSession> CreateAsync(StsSession session, CancellationToken cancellationToken);

    /// <summary>Deletes sessions that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
