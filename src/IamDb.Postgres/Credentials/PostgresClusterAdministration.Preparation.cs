using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IamDb.Postgres.Credentials;

public sealed partial class PostgresClusterAdministration
{
    // Preparation rewrites database ACLs; two preparers on one database would fail with "tuple concurrently updated".
    // One at a time per cluster in this process, and across processes through an advisory lock.
    private const long PrepareAdvisoryLock = 0x1A3D_B000_0C0E;
    private const int MaxPrepareAttempts = 3;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _prepareGates = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public async Task<ClusterPreparation> PrepareAsync(ClusterEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var gate = _prepareGates.GetOrAdd($"{endpoint.Host}:{endpoint.Port}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            await using var conn = await _sources.OpenAsync(endpoint, null, ct);
            return await GuardAsync(endpoint, async () =>
            {
                var admin = await ReadAdminAsync(conn, endpoint, ct);
                var databases = await ReadDatabasesAsync(conn, ct);
                var granted = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var database in databases)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await PrepareDatabaseAsync(conn, endpoint, database, granted, ct);
                            break;
                        }
                        catch (PostgresException pe) when (attempt < MaxPrepareAttempts && IsConcurrentCatalogUpdate(pe))
                        {
                            // An operator's GRANT on the same database won the row; read it again.
                        }
                    }
                }

                var passwordUsers = await ReadPasswordLoginUsersAsync(conn, admin, ct);
                return new ClusterPreparation(admin.ServerVersion, databases, [.. granted], passwordUsers);
            });
        }
        finally
        {
            gate.Release();
        }
    }

    private static bool IsConcurrentCatalogUpdate(PostgresException pe) =>
        pe.SqlState is PostgresErrorCodes.InternalError or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

    /// <summary>
    /// In one transaction: the database's connect role exists (with its marker) and holds CONNECT; PUBLIC's CONNECT is
    /// revoked, and every login role that thereby lost CONNECT is granted it explicitly (IamDb credentials for every
    /// database join the connect role instead; those scoped to another database were never meant to have it).
    /// </summary>
    private async Task PrepareDatabaseAsync(
        NpgsqlConnection conn, ClusterEndpoint endpoint, string database, SortedSet<string> granted, CancellationToken ct)
    {
        var connectRole = RoleMarkers.ConnectRoleName(database);
        var db = SqlText.CatalogIdentifier(database);
        var role = SqlText.CatalogIdentifier(connectRole);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ExecuteAsync(conn, $"select pg_advisory_xact_lock({PrepareAdvisoryLock})", ct);

        var state = await ReadConnectStateAsync(conn, database, connectRole, ct);
        if (state is null)
        {
            return; // Dropped meanwhile: nothing to prepare.
        }

        var created = false;
        if (!state.RoleExists)
        {
            await ExecuteAsync(conn, $"CREATE ROLE {role} NOLOGIN", ct);
            await ExecuteAsync(conn, $"COMMENT ON ROLE {role} IS {SqlText.Literal(RoleMarkers.ConnectRoleComment(database))}", ct);
            created = true;
        }
        else if (!RoleMarkers.IsConnectRole(state.RoleComment))
        {
            throw new ClusterOperationException(
                ClusterFailure.ServerError,
                $"A role named \"{SqlText.Printable(connectRole)}\" exists that IamDb did not create; IamDb needs that name for the connect role of "
                + $"database \"{SqlText.Printable(database)}\". Rename or drop it, then try again.")
            { Subject = connectRole };
        }

        if (!state.RoleHasConnect)
        {
            await ExecuteAsync(conn, $"GRANT CONNECT ON DATABASE {db} TO {role}", ct);
        }

        var revoked = false;
        if (state.PublicConnect)
        {
            await ExecuteAsync(conn, $"REVOKE CONNECT ON DATABASE {db} FROM PUBLIC", ct);
            var after = await ReadConnectStateAsync(conn, database, connectRole, ct);
            if (after?.PublicConnect == true)
            {
                // REVOKE only removes what the admin itself granted; PUBLIC's default belongs to the owner.
                throw new ClusterOperationException(
                    ClusterFailure.InsufficientPrivilege,
                    $"The admin \"{SqlText.Printable(endpoint.AdminUser)}\" cannot revoke CONNECT on database \"{SqlText.Printable(database)}\" from PUBLIC; "
                    + "only its owner or a superuser can. Make the admin a member of the owner, or use a superuser.")
                { Subject = database };
            }

            revoked = true;
        }

        if (revoked || created)
        {
            foreach (var (loginRole, comment) in await ReadLoginRolesWithoutConnectAsync(conn, database, ct))
            {
                if (RoleMarkers.IsCredential(comment))
                {
                    if (RoleMarkers.ParseCredential(comment) is { DbName: null })
                    {
                        await ExecuteAsync(conn, $"GRANT {role} TO {SqlText.CatalogIdentifier(loginRole)}", ct);
                    }
                }
                else if (revoked)
                {
                    await ExecuteAsync(conn, $"GRANT CONNECT ON DATABASE {db} TO {SqlText.CatalogIdentifier(loginRole)}", ct);
                    granted.Add(loginRole);
                }
            }
        }

        await tx.CommitAsync(ct);
        if (created || revoked)
        {
            AdministrationLog.Prepared(_log, database, endpoint, connectRole);
        }
    }

    private sealed record ConnectState(bool PublicConnect, bool RoleExists, string? RoleComment, bool RoleHasConnect);

    private static async Task<ConnectState?> ReadConnectStateAsync(NpgsqlConnection conn, string database, string connectRole, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                           where a.grantee = 0 and a.privilege_type = 'CONNECT'),
                   r.oid is not null,
                   shobj_description(r.oid, 'pg_authid'),
                   r.oid is not null and exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                                                 where a.grantee = r.oid and a.privilege_type = 'CONNECT')
            from pg_database d
            left join pg_roles r on r.rolname = $2::name
            where d.datname = $1::name
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = database });
        cmd.Parameters.Add(new NpgsqlParameter { Value = connectRole });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new ConnectState(reader.GetBoolean(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3));
    }

    private static async Task<List<(string Role, string? Comment)>> ReadLoginRolesWithoutConnectAsync(
        NpgsqlConnection conn, string database, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select r.rolname::text, shobj_description(r.oid, 'pg_authid')
            from pg_roles r
            where r.rolcanlogin and not r.rolsuper and not has_database_privilege(r.oid, $1, 'CONNECT')
            order by r.rolname
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = database });
        var list = new List<(string, string?)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return list;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
