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
    private const int GranteesPerStatement = 500;
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
                await EnsureAllDatabasesRoleAsync(conn, ct);
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

    private static async Task EnsureAllDatabasesRoleAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ExecuteAsync(conn, $"select pg_advisory_xact_lock({PrepareAdvisoryLock})", ct);
        await using (var cmd = new NpgsqlCommand("select shobj_description(oid, 'pg_authid') from pg_roles where rolname = $1::name", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.AllDatabasesRoleName });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                var comment = reader.IsDBNull(0) ? null : reader.GetString(0);
                if (!RoleMarkers.IsAllDatabasesRole(comment))
                {
                    throw new ClusterOperationException(
                        ClusterFailure.ServerError,
                        $"A role named \"{RoleMarkers.AllDatabasesRoleName}\" exists that IamDb did not create; IamDb needs that name. Rename or drop it, then try again.")
                    { Subject = RoleMarkers.AllDatabasesRoleName };
                }

                return;
            }
        }

        var role = SqlText.Identifier(RoleMarkers.AllDatabasesRoleName);
        await ExecuteAsync(conn, $"CREATE ROLE {role} NOLOGIN INHERIT", ct);
        await ExecuteAsync(conn, $"COMMENT ON ROLE {role} IS {SqlText.Literal(RoleMarkers.AllDatabasesPrefix + " member of every database's connect role")}", ct);
        await tx.CommitAsync(ct);
    }

    internal static bool IsConcurrentCatalogUpdate(PostgresException pe) =>
        pe.SqlState is PostgresErrorCodes.InternalError or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

    /// <summary>
    /// In one transaction: the database's connect role exists (with its marker), holds CONNECT and has the all-databases
    /// role as a member; PUBLIC's CONNECT is revoked, and every login role that thereby lost CONNECT is granted it
    /// explicitly. IamDb credentials for every database have it through the all-databases role; those scoped to another
    /// database were never meant to have it.
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

        var all = SqlText.Identifier(RoleMarkers.AllDatabasesRoleName);
        if (!state.AllDatabasesIsMember)
        {
            await ExecuteAsync(conn, $"GRANT {role} TO {all}", ct);
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

        if (revoked)
        {
            // Many grantees per statement: one ACL update per chunk rather than one per role.
            var keepers = await ReadLoginRolesWithoutConnectAsync(conn, database, ct);
            foreach (var chunk in keepers.Chunk(GranteesPerStatement))
            {
                await ExecuteAsync(conn, $"GRANT CONNECT ON DATABASE {db} TO {string.Join(", ", chunk.Select(SqlText.CatalogIdentifier))}", ct);
            }

            granted.UnionWith(keepers);
        }

        await tx.CommitAsync(ct);
        if (created || revoked)
        {
            AdministrationLog.Prepared(_log, database, endpoint, connectRole);
        }
    }

    private sealed record ConnectState(bool PublicConnect, bool RoleExists, string? RoleComment, bool RoleHasConnect, bool AllDatabasesIsMember);

    private static async Task<ConnectState?> ReadConnectStateAsync(NpgsqlConnection conn, string database, string connectRole, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                           where a.grantee = 0 and a.privilege_type = 'CONNECT'),
                   r.oid is not null,
                   shobj_description(r.oid, 'pg_authid'),
                   r.oid is not null and exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                                                 where a.grantee = r.oid and a.privilege_type = 'CONNECT'),
                   r.oid is not null and exists (select 1 from pg_auth_members m join pg_roles x on x.oid = m.member
                                                 where m.roleid = r.oid and x.rolname = $3::name)
            from pg_database d
            left join pg_roles r on r.rolname = $2::name
            where d.datname = $1::name
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = database });
        cmd.Parameters.Add(new NpgsqlParameter { Value = connectRole });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.AllDatabasesRoleName });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new ConnectState(reader.GetBoolean(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(3), reader.GetBoolean(4));
    }

    /// <summary>
    /// Login roles other than IamDb's without CONNECT on <paramref name="database"/>. IamDb's credentials are left out
    /// before the (costlier) privilege check: those for every database reach it through the all-databases role, and
    /// those scoped to another database must not.
    /// </summary>
    private static async Task<List<string>> ReadLoginRolesWithoutConnectAsync(NpgsqlConnection conn, string database, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select r.rolname::text
            from pg_roles r
            where r.rolcanlogin and not r.rolsuper
              and case when coalesce(shobj_description(r.oid, 'pg_authid'), '') like 'iamdb:%' then false
                       else not has_database_privilege(r.oid, $1, 'CONNECT') end
            order by r.rolname
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = database });
        return await ReadStringsAsync(cmd, ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
