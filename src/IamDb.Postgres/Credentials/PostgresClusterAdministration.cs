using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// <see cref="IClusterAdministration"/> on a real PostgreSQL server (15 and later), as its admin user (a superuser, or a
/// role with CREATEROLE that holds what the operations need). A facade over the four capabilities — preparation
/// (<see cref="ClusterPreparer"/>), issuance (<see cref="LoginRoleIssuer"/>), reaping (<see cref="LoginRoleReaper"/>) and
/// passwords (<see cref="PasswordDisabler"/>) — which share one pooled data source per endpoint and database, disposed
/// with this object. The broker depends on the interface only; this class decides nothing itself.
/// </summary>
public sealed class PostgresClusterAdministration : IClusterAdministration, IAsyncDisposable
{
    private readonly AdminDataSources _sources;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ClusterPreparer _preparer;
    private readonly LoginRoleReaper _reaper;
    private readonly PasswordDisabler _passwords;
    private LoginRoleIssuer? _issuer;

    /// <summary>Creates the administration object; nothing connects until a method is called.</summary>
    /// <param name="time">The clock (only used to report durations and ages); the system clock by default.</param>
    /// <param name="loggers">Where to log (never a password or verifier); nowhere by default.</param>
    public PostgresClusterAdministration(TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        _time = time ?? TimeProvider.System;
        _sources = new AdminDataSources(_time);
        _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<PostgresClusterAdministration>();
        _preparer = new ClusterPreparer(_sources, _log);
        _reaper = new LoginRoleReaper(_sources, _log);
        _passwords = new PasswordDisabler(_sources, _log);
    }

    /// <summary>
    /// PBKDF2 iterations of the SCRAM verifiers issued; 4096 (PostgreSQL's default and RFC 7677's minimum) by default.
    /// Verifiers are made in-process by a background thread, 16 at a time, ahead of the requests that use them. Fewer
    /// iterations would not weaken these 256-bit random passwords, but pgjdbc (and drivers built on it) refuses a
    /// server that announces fewer than 4096.
    /// </summary>
    public int ScramIterations { get; init; } = ScramVerifier.DefaultIterations;

    /// <summary>
    /// How long what a catalog read found is trusted before the next issuance reads again: the longest a database created
    /// meanwhile waits for its connect role when nobody asks for it by name (a request naming it reads at once).
    /// 5 seconds by default; zero reads before every issuance.
    /// </summary>
    public TimeSpan CatalogRecheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Roles <see cref="DisablePasswordsAsync"/> never changes on any cluster, besides the admin and IamDb's own: the role
    /// the broker's PostgreSQL state store logs in as (the broker passes it). Reported as refused, with the reason.
    /// Empty by default.
    /// </summary>
    public IReadOnlyCollection<string> ProtectedRoleNames
    {
        get => _protectedRoles;
        init => _protectedRoles = new HashSet<string>(value ?? [], StringComparer.Ordinal);
    }

    private readonly HashSet<string> _protectedRoles = new(StringComparer.Ordinal);

    // Made on first issuance, with the settings given by then (they are init-only).
    private LoginRoleIssuer Issuer => LazyInitializer.EnsureInitialized(
        ref _issuer, () => new LoginRoleIssuer(_sources, _preparer, _time, _log, ScramIterations, CatalogRecheckInterval));

    /// <inheritdoc/>
    public Task<ClusterPreparation> TestAsync(ClusterEndpoint endpoint, CancellationToken ct) => _preparer.TestAsync(endpoint, ct);

    /// <inheritdoc/>
    public Task<ClusterPreparation> PrepareAsync(ClusterEndpoint endpoint, CancellationToken ct) => _preparer.PrepareAsync(endpoint, ct);

    /// <inheritdoc/>
    public Task<IssuedLoginRole> IssueAsync(ClusterEndpoint endpoint, CredentialRequest request, CancellationToken ct) =>
        Issuer.IssueAsync(endpoint, request, ct);

    /// <inheritdoc/>
    public Task<IReadOnlyList<ManagedLoginRole>> ListManagedRolesAsync(ClusterEndpoint endpoint, CancellationToken ct) =>
        _reaper.ListManagedRolesAsync(endpoint, ct);

    /// <inheritdoc/>
    public Task<bool> DropLoginRoleAsync(ClusterEndpoint endpoint, string loginRoleName, bool terminateSessions, CancellationToken ct) =>
        _reaper.DropLoginRoleAsync(endpoint, loginRoleName, terminateSessions, ct);

    /// <inheritdoc/>
    public Task<IReadOnlyList<PasswordChange>> DisablePasswordsAsync(
        ClusterEndpoint endpoint, IReadOnlyList<string> roles, bool dryRun, CancellationToken ct) =>
        _passwords.DisablePasswordsAsync(endpoint, roles, dryRun, _protectedRoles, ct);

    /// <summary>A new credential password: 32 random bytes as base64url (see <see cref="LoginRoleIssuer.NewPassword"/>).</summary>
    internal static string NewPassword() => LoginRoleIssuer.NewPassword();

    /// <summary>True for the catalog races a preparer retries (see <see cref="ClusterPreparer.IsConcurrentCatalogUpdate"/>).</summary>
    internal static bool IsConcurrentCatalogUpdate(Npgsql.PostgresException pe) => ClusterPreparer.IsConcurrentCatalogUpdate(pe);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _issuer?.Dispose();
        return _sources.DisposeAsync();
    }
}
