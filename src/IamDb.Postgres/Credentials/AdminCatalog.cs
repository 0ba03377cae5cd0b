using Npgsql;

namespace IamDb.Postgres.Credentials;

/// <summary>Who the admin is on the server, checked to be able to manage roles at all.</summary>
internal sealed record AdminInfo(string Name, bool IsSuperuser, bool CanCreateRole, string ServerVersion);

/// <summary>
/// The catalog reads and statement helpers that issuance, preparation, reaping and passwords share. Stateless: every
/// method works on the admin connection it is given.
/// </summary>
internal static class AdminCatalog
{
    /// <summary>
    /// Preparation and disable-passwords rewrite database ACLs; two writers on one database would fail with "tuple
    /// concurrently updated". Across processes they take this advisory lock.
    /// </summary>
    public const long AclAdvisoryLock = 0x1A3D_B000_0C0E;

    public static async Task<AdminInfo> ReadAdminAsync(NpgsqlConnection conn, ClusterEndpoint endpoint, CancellationToken ct)
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
    public static async Task<List<string>> ReadDatabasesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select datname::text from pg_database where datallowconn order by datname", conn);
        return await ReadStringsAsync(cmd, ct);
    }

    /// <summary>
    /// Roles other than IamDb's that can log in with a password now. Only a superuser can see whether a role has a
    /// password; for any other admin every such login role is reported, as it may have one.
    /// </summary>
    public static async Task<List<string>> ReadPasswordLoginUsersAsync(NpgsqlConnection conn, AdminInfo admin, CancellationToken ct)
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
    public static async Task<string?> ReadTlsVersionAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select case when ssl then version end from pg_stat_ssl where pid = pg_backend_pid()", conn);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    public static async Task<List<string>> ReadStringsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    public static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs <paramref name="body"/>, turning Npgsql failures into <see cref="ClusterOperationException"/>.</summary>
    public static async Task<T> GuardAsync<T>(ClusterEndpoint endpoint, Func<Task<T>> body)
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
