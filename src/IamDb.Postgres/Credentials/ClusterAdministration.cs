namespace IamDb.Postgres.Credentials;

// The contract between the broker and a managed PostgreSQL cluster. The broker validates every name with
// Redshift's rules before it calls in here; this layer validates again, quotes every identifier, and never
// builds SQL from unvalidated text. Nothing here reads a clock except through the TimeProvider it is given.

/// <summary>How to reach a managed cluster as its admin user. <see cref="ToString"/> never shows the password.</summary>
/// <param name="Host">Host name or address.</param>
/// <param name="Port">TCP port.</param>
/// <param name="Database">The database the admin connects to first (the cluster's default database).</param>
/// <param name="AdminUser">A role with CREATEROLE (or superuser) on the cluster.</param>
/// <param name="AdminPassword">The admin's password.</param>
public sealed record ClusterEndpoint(string Host, int Port, string Database, string AdminUser, string AdminPassword)
{
    /// <summary>
    /// How the admin connection checks the server, as libpq names it: <c>require</c> (TLS, certificate not checked),
    /// <c>verify-ca</c> (the certificate chains to a trusted root) or <c>verify-full</c> (and names <see cref="Host"/>).
    /// Npgsql's spellings (<c>Require</c>, <c>VerifyCA</c>, <c>VerifyFull</c>) are accepted too. There is no mode without
    /// TLS: a server that offers none is refused. <value>The default value is <c>require</c>.</value>
    /// </summary>
    public string SslMode { get; init; } = "require";

    /// <summary>
    /// PEM certificate(s) trusted as roots when <see cref="SslMode"/> verifies (only these, not the system's); null to
    /// verify against the system's trusted roots.
    /// </summary>
    public string? RootCertificatePem { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{AdminUser}@{Host}:{Port}/{Database}";
}

/// <summary>What a temporary credential should be.</summary>
/// <param name="BaseUser">The database user the credential acts as (<c>adam</c>, or <c>IAM:adam</c> / <c>IAMR:role</c> for the WithIAM form).</param>
/// <param name="DbName">The only database the credential may connect to; null for every database.</param>
/// <param name="DbGroups">Existing groups (roles) the credential's sessions join, lowercase.</param>
/// <param name="AutoCreate">Create <paramref name="BaseUser"/> NOLOGIN when it does not exist.</param>
/// <param name="ExpiresAt">When the password stops working (written as VALID UNTIL).</param>
/// <param name="LoginPrefix"><c>IAM:</c>, or <c>IAMA:</c> with AutoCreate; the login role's name starts with it.</param>
public sealed record CredentialRequest(
    string BaseUser,
    string? DbName,
    IReadOnlyList<string> DbGroups,
    bool AutoCreate,
    DateTimeOffset ExpiresAt,
    string LoginPrefix)
{
    /// <summary>
    /// Issue even when the base user is privileged: superuser, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS (itself or
    /// through a role it is a member of), a member of a predefined <c>pg_*</c> role, or the cluster's admin. Off by
    /// default: such a base user is refused with <see cref="ClusterFailure.PrivilegedDbUser"/>.
    /// </summary>
    public bool AllowPrivilegedDbUser { get; init; }
}

/// <summary>A login role created for one credential. <see cref="ToString"/> never shows the password.</summary>
/// <param name="LoginRoleName">The role to log in as; the API returns it as <c>DbUser</c>.</param>
/// <param name="Password">The plain password (the server only ever saw its SCRAM verifier).</param>
/// <param name="ExpiresAt">VALID UNTIL of the role.</param>
/// <param name="BaseUserCreated">True when AutoCreate created the base user in this transaction.</param>
public sealed record IssuedLoginRole(string LoginRoleName, string Password, DateTimeOffset ExpiresAt, bool BaseUserCreated)
{
    /// <inheritdoc/>
    public override string ToString() => $"{LoginRoleName} until {ExpiresAt:O}";
}

/// <summary>A login role IamDb created on a cluster, found by its marker comment.</summary>
/// <param name="LoginRoleName">The role's name.</param>
/// <param name="BaseUser">The base user recorded in its marker.</param>
/// <param name="ExpiresAt">Its VALID UNTIL.</param>
/// <param name="ActiveSessions">Backends currently logged in as it.</param>
/// <param name="OldestSessionStart">When the oldest of those sessions started; null without sessions.</param>
public sealed record ManagedLoginRole(string LoginRoleName, string BaseUser, DateTimeOffset ExpiresAt, int ActiveSessions, DateTimeOffset? OldestSessionStart);

/// <summary>What preparing a cluster for IamDb did and found.</summary>
/// <param name="ServerVersion">The server's version string.</param>
/// <param name="Databases">Every connectable database; each now has its connect role except those in <see cref="SkippedDatabases"/>.</param>
/// <param name="GrantedConnect">Login roles that were granted CONNECT explicitly so they keep the access PUBLIC gave them.</param>
/// <param name="PasswordLoginUsers">Non-IamDb roles that can still log in with a password (their credentials would inherit their access).</param>
public sealed record ClusterPreparation(
    string ServerVersion,
    IReadOnlyList<string> Databases,
    IReadOnlyList<string> GrantedConnect,
    IReadOnlyList<string> PasswordLoginUsers)
{
    /// <summary>The TLS protocol of the admin connection as the server reports it (<c>TLSv1.3</c>); null when unknown.</summary>
    public string? TlsVersion { get; init; }

    /// <summary>
    /// Databases this admin may not prepare (a managed service's own database, one owned by another role), left exactly as
    /// they were, each with the reason and the fix. Credentials scoped to one of them are refused with
    /// <see cref="ClusterFailure.DatabaseNotPrepared"/>. Empty when every database is prepared.
    /// </summary>
    public IReadOnlyList<SkippedDatabase> SkippedDatabases { get; init; } = [];
}

/// <summary>A database preparation left alone because the admin may not change its CONNECT privileges.</summary>
/// <param name="Database">The database.</param>
/// <param name="Reason">Why, naming the owner or the conflicting role, and what the operator can do about it.</param>
public sealed record SkippedDatabase(string Database, string Reason);

/// <summary>One role whose password login was (or, in a dry run, would be) removed, or refused.</summary>
/// <param name="RoleName">The role.</param>
/// <param name="Changed">True when removed (or would be, in a dry run).</param>
/// <param name="Reason">Why it was refused (superuser, the admin itself, unknown role); null when changed.</param>
public sealed record PasswordChange(string RoleName, bool Changed, string? Reason)
{
    /// <summary>
    /// Databases whose direct CONNECT grant to the role was (or, in a dry run, would be) revoked, so that the role's
    /// credentials scoped to one database reach only that one.
    /// </summary>
    public IReadOnlyList<string> ConnectRevokedOn { get; init; } = [];

    /// <summary>Equal when every field is, the revoked databases compared in order.</summary>
    public bool Equals(PasswordChange? other) =>
        other is not null && RoleName == other.RoleName && Changed == other.Changed && Reason == other.Reason
        && ConnectRevokedOn.SequenceEqual(other.ConnectRevokedOn);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RoleName, Changed, Reason, ConnectRevokedOn.Count);
}

/// <summary>Why a cluster operation failed, so the broker can answer with the right AWS error.</summary>
public enum ClusterFailure
{
    /// <summary>The server could not be reached (refused, timed out, DNS).</summary>
    Unreachable,

    /// <summary>The admin login was refused (wrong password, no such role, pg_hba).</summary>
    AdminLoginRefused,

    /// <summary>The admin lacks a privilege IamDb needs (CREATEROLE, ADMIN on the base user …).</summary>
    InsufficientPrivilege,

    /// <summary>The base user does not exist and AutoCreate was not asked for.</summary>
    BaseUserMissing,

    /// <summary>A requested group does not exist.</summary>
    GroupMissing,

    /// <summary>The requested database does not exist.</summary>
    DatabaseMissing,

    /// <summary>A name failed validation here (defence in depth behind the broker's checks).</summary>
    InvalidName,

    /// <summary>A requested group is not a plain database group (it can log in, is privileged, or is the admin's or IamDb's).</summary>
    NotADatabaseGroup,

    /// <summary>The base user is privileged (superuser, a privileged attribute or membership, the admin) and the cluster does not allow that.</summary>
    PrivilegedDbUser,

    /// <summary>
    /// The credential would reach databases other than its DbName: the base user or a group holds CONNECT on another
    /// database directly, which PostgreSQL lets the credential inherit.
    /// </summary>
    DatabaseScopeNotEnforceable,

    /// <summary>The server failed the operation for another reason.</summary>
    ServerError,

    /// <summary>
    /// The admin connection could not be secured: the server offers no TLS, or its certificate failed the check the
    /// endpoint's <see cref="ClusterEndpoint.SslMode"/> asks for (the message says which check and what to do).
    /// </summary>
    TlsFailed,

    /// <summary>
    /// The requested database is one preparation skipped (the admin may not change its CONNECT privileges), so a
    /// credential cannot be scoped to it; the message says why and how to fix it.
    /// </summary>
    DatabaseNotPrepared,
}

/// <summary>
/// A cluster operation that failed. <see cref="Exception.Message"/> is safe to show a caller: it names the role,
/// group or database concerned and never contains a password.
/// </summary>
public sealed class ClusterOperationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterOperationException(ClusterFailure failure, string message, Exception? inner = null)
        : base(message, inner) => Failure = failure;

    /// <summary>Why it failed.</summary>
    public ClusterFailure Failure { get; }

    /// <summary>The role, group or database the failure is about, when there is one.</summary>
    public string? Subject { get; init; }
}

/// <summary>
/// Everything the broker does on a managed PostgreSQL cluster: issue and drop per-credential login roles, keep
/// database CONNECT scoping in place, and remove password logins. Implementations keep one admin connection pool
/// per endpoint. Every method throws <see cref="ClusterOperationException"/> for expected failures.
/// </summary>
public interface IClusterAdministration
{
    /// <summary>Connects as the admin and reports the server version and what IamDb needs that is missing.</summary>
    Task<ClusterPreparation> TestAsync(ClusterEndpoint endpoint, CancellationToken ct);

    /// <summary>
    /// Makes the cluster ready for scoped credentials: a connect role per database holding its CONNECT, PUBLIC's
    /// CONNECT revoked while every login role that had it is granted it explicitly. Idempotent; run at registration
    /// and whenever a database without its connect role is seen.
    /// </summary>
    Task<ClusterPreparation> PrepareAsync(ClusterEndpoint endpoint, CancellationToken ct);

    /// <summary>
    /// In one transaction: creates the base user NOLOGIN if asked and missing, then a new unique LOGIN role with a
    /// SCRAM-SHA-256 verifier computed in-process, VALID UNTIL the expiry, member of the base user, of each group and of
    /// the connect role(s), <c>SET role</c> to the base user, and IamDb's marker comment. Never updates a shared catalog
    /// row such as a database ACL. Leaves nothing behind on failure.
    /// </summary>
    Task<IssuedLoginRole> IssueAsync(ClusterEndpoint endpoint, CredentialRequest request, CancellationToken ct);

    /// <summary>Every login role carrying IamDb's marker, with its sessions.</summary>
    Task<IReadOnlyList<ManagedLoginRole>> ListManagedRolesAsync(ClusterEndpoint endpoint, CancellationToken ct);

    /// <summary>
    /// Drops one IamDb login role: terminates its sessions first when <paramref name="terminateSessions"/> (otherwise
    /// returns false and changes nothing while sessions remain), reassigns what it owns to its base user in every
    /// database, drops it. True when dropped or already gone; refuses a role without IamDb's marker.
    /// </summary>
    Task<bool> DropLoginRoleAsync(ClusterEndpoint endpoint, string loginRoleName, bool terminateSessions, CancellationToken ct);

    /// <summary>
    /// Removes password login from ordinary roles (all when <paramref name="roles"/> is empty), refusing superusers, the admin
    /// and IamDb's roles, and revokes the CONNECT those roles hold directly on databases they do not own (what registration
    /// granted when it revoked PUBLIC's): their access then goes through IamDb's connect roles, so their credentials scoped to
    /// one database reach only that one. A named role that has no password already loses those grants too.
    /// </summary>
    Task<IReadOnlyList<PasswordChange>> DisablePasswordsAsync(ClusterEndpoint endpoint, IReadOnlyList<string> roles, bool dryRun, CancellationToken ct);
}
