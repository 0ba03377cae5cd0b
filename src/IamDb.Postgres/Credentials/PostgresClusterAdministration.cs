using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// <see cref="IClusterAdministration"/> on a real PostgreSQL server (15 and later), as its admin user (a superuser, or a
/// role with CREATEROLE that holds what the operations need). One pooled data source per endpoint and database, disposed
/// with this object. The capabilities live in partial files: issuance, preparation (connect roles), reaping, passwords.
/// </summary>
public sealed partial class PostgresClusterAdministration : IClusterAdministration, IAsyncDisposable
{
    private readonly AdminDataSources _sources;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <summary>Creates the administration object; nothing connects until a method is called.</summary>
    /// <param name="time">The clock (only used to report durations and ages); the system clock by default.</param>
    /// <param name="loggers">Where to log (never a password or verifier); nowhere by default.</param>
    public PostgresClusterAdministration(TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        _time = time ?? TimeProvider.System;
        _sources = new AdminDataSources(_time);
        _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<PostgresClusterAdministration>();
    }

    /// <summary>
    /// PBKDF2 iterations of the SCRAM verifiers issued; 4096 (PostgreSQL's default and RFC 7677's minimum) by default.
    /// Verifiers are made in-process by a background thread, 16 at a time, ahead of the requests that use them. Fewer
    /// iterations would not weaken these 256-bit random passwords, but pgjdbc (and drivers built on it) refuses a
    /// server that announces fewer than 4096.
    /// </summary>
    public int ScramIterations { get; init; } = ScramVerifier.DefaultIterations;

    // Made on first issuance, with the iterations configured by then.
    private ScramSecretPool Secrets => LazyInitializer.EnsureInitialized(ref _secrets, () => new ScramSecretPool(ScramIterations));

    private ScramSecretPool? _secrets;

    /// <inheritdoc/>
    public async Task<ClusterPreparation> TestAsync(ClusterEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await using var conn = await _sources.OpenAsync(endpoint, null, ct);
        return await GuardAsync(endpoint, async () =>
        {
            var admin = await ReadAdminAsync(conn, endpoint, ct);
            var databases = await ReadDatabasesAsync(conn, ct);
            var passwordUsers = await ReadPasswordLoginUsersAsync(conn, admin, ct);
            return new ClusterPreparation(admin.ServerVersion, databases, [], passwordUsers) { TlsVersion = await ReadTlsVersionAsync(conn, ct) };
        });
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _secrets?.Dispose();
        return _sources.DisposeAsync();
    }

    /// <summary>Who the admin is on the server, checked to be able to manage roles at all.</summary>
    private sealed record AdminInfo(string Name, bool IsSuperuser, bool CanCreateRole, string ServerVersion);

    private static async Task<AdminInfo> ReadAdminAsync(NpgsqlConnection conn, ClusterEndpoint endpoint, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select current_user::text, r.rolsuper, r.rolcreaterole, current_setting('server_version') from pg_roles r where r.rolname = current_user",
            conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new ClusterOperationException(ClusterFailure.ServerError, "The admin's own role is not visible in pg_roles.");
        }

        var admin = new AdminInfo(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetString(3));
        if (!admin.IsSuperuser && !admin.CanCreateRole)
        {
            throw new ClusterOperationException(
                ClusterFailure.InsufficientPrivilege,
                $"The admin \"{SqlText.Printable(admin.Name)}\" of {endpoint.Host}:{endpoint.Port} has neither SUPERUSER nor CREATEROLE; "
                + "IamDb needs one of them to create and drop login roles.")
            { Subject = admin.Name };
        }

        return admin;
    }

    /// <summary>Databases a session can connect to (template0 excepted), sorted.</summary>
    private static async Task<List<string>> ReadDatabasesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select datname::text from pg_database where datallowconn order by datname", conn);
        return await ReadStringsAsync(cmd, ct);
    }

    /// <summary>
    /// Roles other than IamDb's that can log in with a password now. Only a superuser can see whether a role has a
    /// password; for any other admin every such login role is reported, as it may have one.
    /// </summary>
    private static async Task<List<string>> ReadPasswordLoginUsersAsync(NpgsqlConnection conn, AdminInfo admin, CancellationToken ct)
    {
        var source = admin.IsSuperuser ? "pg_authid" : "pg_roles";
        var hasPassword = admin.IsSuperuser ? "and r.rolpassword is not null" : "";
        await using var cmd = new NpgsqlCommand(
            $"""
            select r.rolname::text from {source} r
            where r.rolcanlogin {hasPassword}
              and (r.rolvaliduntil is null or r.rolvaliduntil > now())
              and coalesce(shobj_description(r.oid, 'pg_authid'), '') not like 'iamdb:%'
            order by r.rolname
            """,
            conn);
        return await ReadStringsAsync(cmd, ct);
    }

    /// <summary>The TLS protocol of this session as the server sees it (<c>pg_stat_ssl</c> shows every role its own session).</summary>
    private static async Task<string?> ReadTlsVersionAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select case when ssl then version end from pg_stat_ssl where pid = pg_backend_pid()", conn);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<List<string>> ReadStringsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    /// <summary>Runs <paramref name="body"/>, turning Npgsql failures into <see cref="ClusterOperationException"/>.</summary>
    private static async Task<T> GuardAsync<T>(ClusterEndpoint endpoint, Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            throw ClusterErrors.OnCommand(e, endpoint);
        }
    }
}
