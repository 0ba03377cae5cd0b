using Microsoft.Extensions.Logging;
using Npgsql;
using static IamDb.Postgres.Credentials.AdminCatalog;

namespace IamDb.Postgres.Credentials;

/// <summary>Finds the login roles IamDb issued and drops them, with what they own and the grants they hold.</summary>
internal sealed class LoginRoleReaper(AdminDataSources sources, ILogger log)
{
    /// <summary>How long <c>pg_terminate_backend</c> waits for each session to end.</summary>
    private const int TerminateWaitMilliseconds = 5000;

    /// <summary>See <see cref="IClusterAdministration.ListManagedRolesAsync"/>.</summary>
    public async Task<IReadOnlyList<ManagedLoginRole>> ListManagedRolesAsync(ClusterEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await using var conn = await sources.OpenAsync(endpoint, null, ct);
        return await GuardAsync(endpoint, async () =>
        {
            await using var cmd = new NpgsqlCommand(
                """
                select r.rolname::text, c.description, r.rolvaliduntil, coalesce(s.sessions, 0), s.oldest
                from pg_shdescription c
                join pg_roles r on r.oid = c.objoid
                left join (select a.usesysid, count(*)::int as sessions, min(a.backend_start) as oldest
                           from pg_stat_activity a where a.usesysid is not null group by a.usesysid) s on s.usesysid = r.oid
                where c.classoid = 'pg_authid'::regclass and c.description like 'iamdb:credential:v1 %'
                order by r.rolname
                """,
                conn);
            var list = new List<ManagedLoginRole>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var marker = RoleMarkers.ParseCredential(reader.GetString(1));
                DateTimeOffset? validUntil = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
                list.Add(new ManagedLoginRole(
                    reader.GetString(0),
                    marker?.BaseUser ?? "",
                    validUntil ?? marker?.ExpiresAt ?? DateTimeOffset.MaxValue,
                    reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4)));
            }

            return (IReadOnlyList<ManagedLoginRole>)list;
        });
    }

    /// <summary>See <see cref="IClusterAdministration.DropLoginRoleAsync"/>.</summary>
    public async Task<bool> DropLoginRoleAsync(ClusterEndpoint endpoint, string loginRoleName, bool terminateSessions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        SqlText.ValidateIdentifier(loginRoleName, "login role");
        var login = SqlText.Identifier(loginRoleName);
        await using var conn = await sources.OpenAsync(endpoint, null, ct);
        return await GuardAsync(endpoint, async () =>
        {
            var role = await ReadManagedRoleAsync(conn, loginRoleName, ct);
            if (role is null)
            {
                return true;
            }

            if (!RoleMarkers.IsCredential(role.Comment))
            {
                throw new ClusterOperationException(
                    ClusterFailure.InvalidName, $"Role \"{SqlText.Printable(loginRoleName)}\" is not a login role IamDb issued; IamDb drops only its own roles.")
                { Subject = loginRoleName };
            }

            if (role.Sessions > 0 && !terminateSessions)
            {
                return false;
            }

            // No new session may start while the role is dismantled.
            await ExecuteAsync(conn, $"ALTER ROLE {login} NOLOGIN", ct);
            if (!terminateSessions && await CountSessionsAsync(conn, role.Oid, ct) > 0)
            {
                // A session slipped in between the check and NOLOGIN: leave the role as it was.
                await ExecuteAsync(conn, $"ALTER ROLE {login} LOGIN", ct);
                return false;
            }

            // An admin that is not a superuser (CREATEROLE, as managed services give) acts on the role only with its
            // privileges: to end its sessions and to reassign and drop what it owns. It gains them until the role is dropped.
            if (!await HasPrivilegesOfAsync(conn, loginRoleName, ct))
            {
                await ExecuteAsync(conn, $"GRANT {login} TO CURRENT_USER", ct);
            }

            await TerminateSessionsAsync(conn, role.Oid, ct);
            var marker = RoleMarkers.ParseCredential(role.Comment);
            var heir = await RoleExistsAsync(conn, marker?.BaseUser, ct) ? marker!.BaseUser : null;
            foreach (var database in await ReadConnectableDatabasesAsync(conn, ct))
            {
                if (!await ReassignInDatabaseAsync(endpoint, database, login, heir, ct))
                {
                    return true; // Dropped by someone else meanwhile.
                }
            }

            await ExecuteAsync(conn, $"DROP ROLE IF EXISTS {login}", ct);
            AdministrationLog.Dropped(log, loginRoleName, endpoint);
            return true;
        });
    }

    private sealed record RoleRow(uint Oid, string? Comment, int Sessions);

    private static async Task<RoleRow?> ReadManagedRoleAsync(NpgsqlConnection conn, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select r.oid, shobj_description(r.oid, 'pg_authid'),
                   (select count(*)::int from pg_stat_activity a where a.usesysid = r.oid)
            from pg_roles r where r.rolname = $1::name
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new RoleRow(reader.GetFieldValue<uint>(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2))
            : null;
    }

    private static async Task<int> CountSessionsAsync(NpgsqlConnection conn, uint oid, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select count(*)::int from pg_stat_activity where usesysid = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task TerminateSessionsAsync(NpgsqlConnection conn, uint oid, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"select pg_terminate_backend(pid, {TerminateWaitMilliseconds}) from pg_stat_activity where usesysid = $1 and pid <> pg_backend_pid()", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> RoleExistsAsync(NpgsqlConnection conn, string? name, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(name) || SqlText.IdentifierProblem(name) is not null)
        {
            return false;
        }

        await using var cmd = new NpgsqlCommand("select exists (select 1 from pg_roles where rolname = $1::name)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = name });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>True when the admin has the privileges of <paramref name="role"/> (always for a superuser).</summary>
    private static async Task<bool> HasPrivilegesOfAsync(NpgsqlConnection conn, string role, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select pg_has_role(current_user, $1::name, 'USAGE')", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = role });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The databases the admin can connect to. A login role can own objects only where it could connect, and a database a
    /// managed service keeps for itself (which its admin cannot enter) is not one IamDb prepared.
    /// </summary>
    private static async Task<List<string>> ReadConnectableDatabasesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select datname::text from pg_database where datallowconn and has_database_privilege(current_user, oid, 'CONNECT') order by datname", conn);
        return await ReadStringsAsync(cmd, ct);
    }

    /// <summary>
    /// In <paramref name="database"/>: what the login role owns goes to its base user (to the admin when the base user is
    /// gone), and its remaining privileges there are revoked, so DROP ROLE can succeed. False when the role is gone.
    /// </summary>
    private async Task<bool> ReassignInDatabaseAsync(ClusterEndpoint endpoint, string database, string login, string? heir, CancellationToken ct)
    {
        await using var conn = await sources.OpenAsync(endpoint, database, ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        try
        {
            var to = heir is null ? "CURRENT_USER" : SqlText.Identifier(heir);
            // REASSIGN needs the privileges of the heir too; a non-superuser admin holds them only for this transaction.
            var lend = heir is not null && !await HasPrivilegesOfAsync(conn, heir, ct);
            if (lend)
            {
                await ExecuteAsync(conn, $"GRANT {to} TO CURRENT_USER", ct);
            }

            await ExecuteAsync(conn, $"REASSIGN OWNED BY {login} TO {to}", ct);
            await ExecuteAsync(conn, $"DROP OWNED BY {login}", ct);
            if (lend)
            {
                await ExecuteAsync(conn, $"REVOKE {to} FROM CURRENT_USER", ct);
            }

            await tx.CommitAsync(ct);
            return true;
        }
        catch (PostgresException pe) when (pe.SqlState == PostgresErrorCodes.UndefinedObject)
        {
            return false;
        }
    }
}
