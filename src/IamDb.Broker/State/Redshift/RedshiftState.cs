using IamDb.Broker.Secrets;
using IamDb.Broker.State.Iam;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.State.Redshift;

/// <summary>A registered PostgreSQL server presented as a Redshift cluster. The admin password is encrypted at rest.</summary>
internal sealed record RedshiftCluster(
    string AccountId,
    string ClusterIdentifier,
    string Region,
    string Host,
    int Port,
    string DefaultDatabase,
    string AdminUser,
    SecretString AdminPassword,
    DateTimeOffset CreatedAt)
{
    public IReadOnlyList<Tag> Tags { get; init; } = [];

    /// <summary>
    /// How the broker's admin connection checks the server: <c>require</c>, <c>verify-ca</c> or <c>verify-full</c>
    /// (<see cref="ClusterSslModes"/>); by default <c>verify-full</c>, or <c>require</c> for a loopback host. The default is
    /// computed from <see cref="Host"/> at construction: a <c>with</c> that changes the host keeps the mode.
    /// </summary>
    public string SslMode { get; init; } = ClusterSslModes.DefaultFor(Host);

    /// <summary>PEM text of the certificate(s) trusted as roots for this cluster; null to trust the system's roots.</summary>
    public string? SslRootCertificate { get; init; }

    /// <summary>Group names or simple patterns (<c>team_*</c>) DbGroups may name; empty means no extra restriction.</summary>
    public IReadOnlyList<string> AllowedDbGroups { get; init; } = [];

    /// <summary>True when credentials may be issued for superusers and other privileged database users.</summary>
    public bool AllowPrivilegedDbUsers { get; init; }

    /// <summary>The endpoint the cluster administration connects to, with the admin password decrypted for this call only.</summary>
    public ClusterEndpoint Endpoint() =>
        new(Host, Port, DefaultDatabase, AdminUser, AdminPassword.Reveal())
        {
            SslMode = SslMode,
            RootCertificatePem = SslRootCertificate,
        };
}

/// <summary>
/// A temporary database credential that was handed out: who got which login role on which cluster, until
/// when. Never the password.
/// </summary>
internal sealed record IssuedCredential(
    string RequestId,
    string AccountId,
    string PrincipalArn,
    string ClusterIdentifier,
    string DbUser,
    string LoginRoleName,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt)
{
    public string? DbName { get; init; }

    public IReadOnlyList<string> DbGroups { get; init; } = [];

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When the reaper dropped the login role.</summary>
    public DateTimeOffset? ReapedAt { get; init; }

    public bool Revoked => RevokedAt is not null;
}

/// <summary>Which issued credentials a query returns. Null fields do not filter.</summary>
internal sealed record CredentialQuery(string AccountId)
{
    public string? ClusterIdentifier { get; init; }

    public string? PrincipalArn { get; init; }

    /// <summary>The login role of one credential (with <see cref="ClusterIdentifier"/>).</summary>
    public string? LoginRoleName { get; init; }

    /// <summary>When set, only credentials neither revoked nor expired at this instant.</summary>
    public DateTimeOffset? ActiveAt { get; init; }
}

/// <summary>Clusters of an account (identifiers case-insensitive).</summary>
internal interface IClusterReader
{
    Task<RedshiftCluster?> GetAsync(string accountId, string clusterIdentifier, CancellationToken cancellationToken);

    Task<Page<RedshiftCluster>> ListAsync(string accountId, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IClusterReader"/>
internal interface IClusterWriter : IClusterReader
{
    /// <exception cref="EntityAlreadyExistsException">the identifier is taken.</exception>
    Task<RedshiftCluster> CreateAsync(RedshiftCluster cluster, CancellationToken cancellationToken);

    /// <summary>Replaces host, port, database, admin user and password, region, tags and the security settings; false if none.</summary>
    Task<bool> UpdateAsync(RedshiftCluster cluster, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string accountId, string clusterIdentifier, CancellationToken cancellationToken);
}

/// <summary>Issued credentials, newest first.</summary>
internal interface ICredentialReader
{
    Task<IssuedCredential?> GetAsync(string requestId, CancellationToken cancellationToken);

    Task<Page<IssuedCredential>> ListAsync(CredentialQuery query, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Credentials expired (or revoked) before <paramref name="now"/> and not yet reaped, oldest first.</summary>
    Task<IReadOnlyList<IssuedCredential>> ListReapableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);
}

/// <inheritdoc cref="ICredentialReader"/>
internal interface ICredentialWriter : ICredentialReader
{
    Task<IssuedCredential> RecordAsync(IssuedCredential credential, CancellationToken cancellationToken);

    /// <summary>Marks a credential revoked; false if unknown or already revoked.</summary>
    Task<bool> RevokeAsync(string requestId, DateTimeOffset at, CancellationToken cancellationToken);

    Task<bool> MarkReapedAsync(string requestId, DateTimeOffset at, CancellationToken cancellationToken);
}
