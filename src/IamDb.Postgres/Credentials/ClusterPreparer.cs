using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using static IamDb.Postgres.Credentials.AdminCatalog;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// Makes a cluster ready for database-scoped credentials: a connect role per database holding its CONNECT, the
/// all-databases role, PUBLIC's CONNECT revoked while the login roles that had it keep it by explicit grants.
/// </summary>
internal sealed class ClusterPreparer(AdminDataSources sources, ILogger log)
{
    // Preparation rewrites database ACLs: one preparer at a time per cluster in this process, and across processes
    // through an advisory lock.
    private const long PrepareAdvisoryLock = AclAdvisoryLock;
    private const int MaxPrepareAttempts = 3;
    private const int GranteesPerStatement = 500;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _prepareGates = new(StringComparer.Ordinal);

    /// <summary>See <see cref="IClusterAdministration.TestAsync"/>.</summary>
    public async Task<ClusterPreparation> TestAsync(ClusterEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await using var conn = await sources.OpenAsync(endpoint, null, ct);
        return await GuardAsync(endpoint, async () =>
        {
            var admin = await ReadAdminAsync(conn, endpoint, ct);
            var databases = await ReadDatabasesAsync(conn, ct);
            var blockers = await CheckPreconditionsAsync(conn, admin, databases, ct);
            var passwordUsers = await ReadPasswordLoginUsersAsync(conn, admin, ct);
            return new ClusterPreparation(admin.ServerVersion, databases, [], passwordUsers)
            {
                TlsVersion = await ReadTlsVersionAsync(conn, ct),
                SkippedDatabases = Skipped(blockers),
            };
        });
    }

    /// <summary>See <see cref="IClusterAdministration.PrepareAsync"/>.</summary>
    public async Task<ClusterPreparation> PrepareAsync(ClusterEndpoint endpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var gate = _prepareGates.GetOrAdd($"{endpoint.Host}:{endpoint.Port}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            await using var conn = await sources.OpenAsync(endpoint, null, ct);
            return await GuardAsync(endpoint, async () =>
            {
                var admin = await ReadAdminAsync(conn, endpoint, ct);
                var databases = await ReadDatabasesAsync(conn, ct);

                // Every precondition before the first change. A database this admin may not prepare (a managed service's
                // own, one owned by another role) is skipped and reported; with none left to prepare, nothing changes.
                var blockers = await CheckPreconditionsAsync(conn, admin, databases, ct);
                if (databases.Count > 0 && blockers.Count == databases.Count)
                {
                    throw Blocked(endpoint, admin, blockers);
                }

                var skipped = new HashSet<string>(blockers.Select(b => b.Database), StringComparer.Ordinal);

                var granted = new SortedSet<string>(StringComparer.Ordinal);
                var done = new List<DatabaseChanges>();
                var createdAllRole = false;
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        createdAllRole = await EnsureAllDatabasesRoleAsync(conn, ct);
                        break;
                    }
                    catch (PostgresException pe) when (attempt < MaxPrepareAttempts && IsConcurrentCatalogUpdate(pe))
                    {
                        // Another preparer created it first; the next read finds it.
                    }
                }

                try
                {
                    foreach (var database in databases.Where(d => !skipped.Contains(d)))
                    {
                        for (var attempt = 1; ; attempt++)
                        {
                            try
                            {
                                if (await PrepareDatabaseAsync(conn, endpoint, database, granted, ct) is { } changes)
                                {
                                    done.Add(changes);
                                }

                                break;
                            }
                            catch (PostgresException pe) when (attempt < MaxPrepareAttempts && IsConcurrentCatalogUpdate(pe))
                            {
                                // An operator's GRANT on the same database won the row; read it again.
                            }
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Something the checks could not foresee (a concurrent change, a dropped connection): put back what
                    // the finished databases changed, newest first, then report the failure.
                    await UndoAsync(conn, endpoint, done, createdAllRole);
                    throw;
                }

                var passwordUsers = await ReadPasswordLoginUsersAsync(conn, admin, ct);
                foreach (var blocker in blockers)
                {
                    AdministrationLog.Skipped(log, blocker.Database, endpoint, blocker.Reason);
                }

                return new ClusterPreparation(admin.ServerVersion, databases, [.. granted], passwordUsers) { SkippedDatabases = Skipped(blockers) };
            });
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Why one database cannot be prepared by this admin.</summary>
    /// <param name="Database">The database.</param>
    /// <param name="Reason">What stops it, naming the privilege or role.</param>
    /// <param name="Fix">What the operator can do.</param>
    private sealed record PreparationBlocker(string Database, string Reason, string Fix);

    /// <summary>
    /// Checks, without changing anything, that this admin can prepare every database in <paramref name="databases"/>:
    /// revoke PUBLIC's CONNECT where PUBLIC has it (only the owner, a role with the owner's privileges, or a superuser
    /// can), grant CONNECT to the connect role where it lacks it (also with CONNECT WITH GRANT OPTION), grant an existing
    /// connect role to the all-databases role (ADMIN OPTION, or CREATEROLE before PostgreSQL 16), and that the role names
    /// IamDb needs are free. Returns one blocker per database that fails (empty when all pass); preparation skips those
    /// and prepares the others.
    /// </summary>
    private static async Task<List<PreparationBlocker>> CheckPreconditionsAsync(
        NpgsqlConnection conn, AdminInfo admin, List<string> databases, CancellationToken ct)
    {
        var blockers = new List<PreparationBlocker>();
        if (databases.Count == 0)
        {
            return blockers;
        }

        await using var cmd = new NpgsqlCommand(
            """
            select t.datname::text,
                   pg_get_userbyid(d.datdba)::text,
                   pg_has_role(d.datdba, 'USAGE'),
                   has_database_privilege(d.oid, 'CONNECT WITH GRANT OPTION'),
                   exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                           where a.grantee = 0 and a.privilege_type = 'CONNECT'),
                   r.oid is not null,
                   shobj_description(r.oid, 'pg_authid'),
                   r.oid is not null and exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                                                 where a.grantee = r.oid and a.privilege_type = 'CONNECT'),
                   r.oid is not null and exists (select 1 from pg_auth_members m join pg_roles x on x.oid = m.member
                                                 where m.roleid = r.oid and x.rolname = $3::name),
                   r.oid is not null and pg_has_role(r.oid, 'MEMBER WITH ADMIN OPTION'),
                   current_setting('server_version_num')::int
            from unnest($1::text[], $2::text[]) as t(datname, rolname)
            join pg_database d on d.datname = t.datname
            left join pg_roles r on r.rolname = t.rolname
            order by t.datname
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = databases.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = databases.Select(RoleMarkers.ConnectRoleName).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.AllDatabasesRoleName });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var database = reader.GetString(0);
            var owner = reader.GetString(1);
            var actsAsOwner = admin.IsSuperuser || reader.GetBoolean(2);
            var canGrantConnect = actsAsOwner || reader.GetBoolean(3);
            var publicConnect = reader.GetBoolean(4);
            var roleExists = reader.GetBoolean(5);
            var roleComment = reader.IsDBNull(6) ? null : reader.GetString(6);
            var roleHasConnect = reader.GetBoolean(7);
            var allIsMember = reader.GetBoolean(8);
            var canGrantRole = admin.IsSuperuser || reader.GetBoolean(9) || (reader.GetInt32(10) < 160000 && admin.CanCreateRole);
            var connectRole = RoleMarkers.ConnectRoleName(database);
            var adminName = SqlText.Printable(admin.Name);
            var db = SqlText.Printable(database);
            var ownerName = SqlText.Printable(owner);

            if (roleExists && !RoleMarkers.IsConnectRole(roleComment))
            {
                blockers.Add(new(database, $"a role named \"{SqlText.Printable(connectRole)}\" exists that IamDb did not create; IamDb needs that name",
                    "rename or drop that role"));
            }
            else if (publicConnect && !actsAsOwner)
            {
                blockers.Add(new(database,
                    $"only its owner (\"{ownerName}\") or a superuser can change its CONNECT privilege, and PUBLIC's CONNECT must be revoked "
                    + "(until then every role, IamDb's credentials included, can connect to it as PUBLIC)",
                    $"grant the owner's privileges to the admin (GRANT \"{ownerName}\" TO \"{adminName}\"), make the admin its owner "
                    + $"(ALTER DATABASE \"{db}\" OWNER TO \"{adminName}\"), or register with an admin that owns it"));
            }
            else if (!roleHasConnect && !canGrantConnect)
            {
                blockers.Add(new(database,
                    $"the admin cannot grant CONNECT on it (it is owned by \"{ownerName}\")",
                    $"GRANT CONNECT ON DATABASE \"{db}\" TO \"{adminName}\" WITH GRANT OPTION, or register with an admin that owns it"));
            }
            else if (roleExists && !allIsMember && !canGrantRole)
            {
                blockers.Add(new(database,
                    $"the admin cannot grant its connect role \"{SqlText.Printable(connectRole)}\" to \"{RoleMarkers.AllDatabasesRoleName}\" (it lacks ADMIN OPTION on it)",
                    $"GRANT \"{SqlText.Printable(connectRole)}\" TO \"{adminName}\" WITH ADMIN OPTION, or drop that role so IamDb creates it again"));
            }
        }

        return blockers;
    }

    private static List<SkippedDatabase> Skipped(List<PreparationBlocker> blockers) =>
        [.. blockers.Select(b => new SkippedDatabase(b.Database, $"{b.Reason}; to fix: {b.Fix}"))];

    private static ClusterOperationException Blocked(ClusterEndpoint endpoint, AdminInfo admin, List<PreparationBlocker> blockers)
    {
        const int Named = 5;
        var first = blockers[0];
        var text = string.Join("; ", blockers.Take(Named).Select(b =>
            $"cannot prepare database \"{SqlText.Printable(b.Database)}\": {b.Reason}; to fix: {b.Fix}"));
        var more = blockers.Count > Named ? $" (and {blockers.Count - Named} more databases)" : "";
        return new ClusterOperationException(
            ClusterFailure.InsufficientPrivilege,
            $"The admin \"{SqlText.Printable(admin.Name)}\" of {endpoint.Host}:{endpoint.Port} may prepare none of its databases: {text}{more}. Nothing was changed on the server.")
        {
            Subject = first.Database,
        };
    }

    /// <summary>What preparing one database changed, so it can be put back.</summary>
    private sealed record DatabaseChanges(string Database, bool CreatedRole, bool GrantedConnect, bool GrantedToAll, bool RevokedPublic, IReadOnlyList<string> Keepers);

    // Best effort: each database in its own transaction; a failure here is logged, the original failure is what the caller sees.
    private async Task UndoAsync(NpgsqlConnection conn, ClusterEndpoint endpoint, List<DatabaseChanges> done, bool createdAllRole)
    {
        if (conn.State != System.Data.ConnectionState.Open)
        {
            AdministrationLog.UndoFailed(log, endpoint, "the connection is closed");
            return;
        }

        for (var i = done.Count - 1; i >= 0; i--)
        {
            var c = done[i];
            var db = SqlText.CatalogIdentifier(c.Database);
            var role = SqlText.CatalogIdentifier(RoleMarkers.ConnectRoleName(c.Database));
            try
            {
                await using var tx = await conn.BeginTransactionAsync(CancellationToken.None);
                await ExecuteAsync(conn, $"select pg_advisory_xact_lock({PrepareAdvisoryLock})", CancellationToken.None);
                foreach (var chunk in c.Keepers.Chunk(GranteesPerStatement))
                {
                    await ExecuteAsync(conn, $"REVOKE CONNECT ON DATABASE {db} FROM {string.Join(", ", chunk.Select(SqlText.CatalogIdentifier))}", CancellationToken.None);
                }

                if (c.RevokedPublic)
                {
                    await ExecuteAsync(conn, $"GRANT CONNECT ON DATABASE {db} TO PUBLIC", CancellationToken.None);
                }

                if (c.GrantedToAll && !c.CreatedRole)
                {
                    await ExecuteAsync(conn, $"REVOKE {role} FROM {SqlText.Identifier(RoleMarkers.AllDatabasesRoleName)}", CancellationToken.None);
                }

                if (c.GrantedConnect)
                {
                    await ExecuteAsync(conn, $"REVOKE CONNECT ON DATABASE {db} FROM {role}", CancellationToken.None);
                }

                if (c.CreatedRole)
                {
                    await ExecuteAsync(conn, $"DROP ROLE {role}", CancellationToken.None);
                }

                await tx.CommitAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                AdministrationLog.UndoFailed(log, endpoint, $"database {SqlText.Printable(c.Database)}: {e.Message}");
            }
        }

        if (createdAllRole)
        {
            try
            {
                await ExecuteAsync(conn, $"DROP ROLE IF EXISTS {SqlText.Identifier(RoleMarkers.AllDatabasesRoleName)}", CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                AdministrationLog.UndoFailed(log, endpoint, $"role {RoleMarkers.AllDatabasesRoleName}: {e.Message}");
            }
        }
    }

    // True when it created the role.
    private static async Task<bool> EnsureAllDatabasesRoleAsync(NpgsqlConnection conn, CancellationToken ct)
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

                return false;
            }
        }

        var role = SqlText.Identifier(RoleMarkers.AllDatabasesRoleName);
        await ExecuteAsync(conn, $"CREATE ROLE {role} NOLOGIN INHERIT", ct);
        await ExecuteAsync(conn, $"COMMENT ON ROLE {role} IS {SqlText.Literal(RoleMarkers.AllDatabasesPrefix + " member of every database's connect role")}", ct);
        await tx.CommitAsync(ct);
        return true;
    }

    // Advisory locks are per database, so a preparer connected to another database of the same server (another broker
    // whose cluster has a different default database) can create a connect role first: 23505/42710, read again.
    internal static bool IsConcurrentCatalogUpdate(PostgresException pe) =>
        pe.SqlState is PostgresErrorCodes.InternalError or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject;

    /// <summary>
    /// In one transaction: the database's connect role exists (with its marker), holds CONNECT and has the all-databases
    /// role as a member; PUBLIC's CONNECT is revoked, and every login role that thereby lost CONNECT is granted it
    /// explicitly. IamDb credentials for every database have it through the all-databases role; those scoped to another
    /// database were never meant to have it.
    /// </summary>
    private async Task<DatabaseChanges?> PrepareDatabaseAsync(
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
            return null; // Dropped meanwhile: nothing to prepare.
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
        var grantedToAll = !state.AllDatabasesIsMember;
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

        List<string> keepers = [];
        if (revoked)
        {
            // Many grantees per statement: one ACL update per chunk rather than one per role.
            keepers = await ReadLoginRolesWithoutConnectAsync(conn, database, ct);
            foreach (var chunk in keepers.Chunk(GranteesPerStatement))
            {
                await ExecuteAsync(conn, $"GRANT CONNECT ON DATABASE {db} TO {string.Join(", ", chunk.Select(SqlText.CatalogIdentifier))}", ct);
            }

            granted.UnionWith(keepers);
        }

        await tx.CommitAsync(ct);
        if (created || revoked)
        {
            AdministrationLog.Prepared(log, database, endpoint, connectRole);
        }

        return new DatabaseChanges(database, created, !state.RoleHasConnect, grantedToAll, revoked, keepers);
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
    /// those scoped to another database must not. So are the login roles <c>disable-passwords</c> changed (members of
    /// the passwords-disabled role): their direct CONNECT was revoked on purpose and would widen their scoped credentials.
    /// </summary>
    private static async Task<List<string>> ReadLoginRolesWithoutConnectAsync(NpgsqlConnection conn, string database, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select r.rolname::text
            from pg_roles r
            where r.rolcanlogin and not r.rolsuper
              and case when coalesce(shobj_description(r.oid, 'pg_authid'), '') like 'iamdb:%' then false
                       when exists (select 1 from pg_auth_members m join pg_roles g on g.oid = m.roleid
                                    where m.member = r.oid and g.rolname = $2::name
                                      and coalesce(shobj_description(g.oid, 'pg_authid'), '') like $3) then false
                       else not has_database_privilege(r.oid, $1, 'CONNECT') end
            order by r.rolname
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = database });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.PasswordsDisabledRoleName });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.PasswordsDisabledPrefix + "%" });
        return await ReadStringsAsync(cmd, ct);
    }
}
