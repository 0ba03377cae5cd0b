using Microsoft.Extensions.Logging;
using Npgsql;
using static IamDb.Postgres.Credentials.AdminCatalog;

namespace IamDb.Postgres.Credentials;

/// <summary>Removes password logins from ordinary roles, with the direct CONNECT grants that would widen their scoped credentials.</summary>
internal sealed class PasswordDisabler(AdminDataSources sources, ILogger log)
{
    /// <summary>
    /// See <see cref="IClusterAdministration.DisablePasswordsAsync"/>. <paramref name="protectedRoles"/> are never changed
    /// (the role the broker's own state store logs in as): refused with the reason, like the admin.
    /// </summary>
    public async Task<IReadOnlyList<PasswordChange>> DisablePasswordsAsync(
        ClusterEndpoint endpoint, IReadOnlyList<string> roles, bool dryRun, IReadOnlySet<string> protectedRoles, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            SqlText.ValidateIdentifier(role, "database user");
        }

        await using var conn = await sources.OpenAsync(endpoint, null, ct);
        return await GuardAsync(endpoint, async () =>
        {
            var admin = await ReadAdminAsync(conn, endpoint, ct);
            var candidates = await ReadPasswordCandidatesAsync(conn, admin, roles, ct);
            var changes = new List<PasswordChange>();
            var passwordless = new HashSet<string>(StringComparer.Ordinal);
            // The admin and the protected roles are listed as refused, never changed: a blanket run must not lock out the
            // accounts IamDb itself depends on.
            IEnumerable<string> names = roles.Count == 0 ? candidates.Keys.Order(StringComparer.Ordinal) : roles.Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                var reason = !candidates.TryGetValue(name, out var c) ? "no such role"
                    : string.Equals(name, admin.Name, StringComparison.Ordinal) ? "is the admin IamDb manages the cluster as"
                    : protectedRoles.Contains(name) ? "is the role IamDb's own state store logs in as"
                    : c.IsSuperuser ? "is a superuser; a superuser's password cannot be disabled"
                    : RoleMarkers.IsCredential(c.Comment) || RoleMarkers.IsConnectRole(c.Comment) || RoleMarkers.IsAllDatabasesRole(c.Comment)
                        ? "is a role IamDb manages"
                    : c.HasPassword == false ? "has no password"
                    : null;
                if (reason == "has no password")
                {
                    passwordless.Add(name);
                }

                changes.Add(new PasswordChange(name, reason is null, reason));
            }

            // The direct CONNECT grants go with the password, and also from a named role without one (disabled before this
            // step existed, or never set): such a grant is what would widen the role's scoped credentials.
            var grants = await ReadDirectConnectGrantsAsync(
                conn, admin, [.. changes.Where(ch => ch.Changed || passwordless.Contains(ch.RoleName)).Select(ch => ch.RoleName)], ct);
            for (var i = 0; i < changes.Count; i++)
            {
                if (grants.TryGetValue(changes[i].RoleName, out var databases))
                {
                    changes[i] = new PasswordChange(changes[i].RoleName, true, null) { ConnectRevokedOn = databases };
                }
            }

            if (!dryRun && changes.Any(ch => ch.Changed))
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                // Database ACLs are rewritten here as in preparation: one writer at a time.
                await ExecuteAsync(conn, $"select pg_advisory_xact_lock({AclAdvisoryLock})", ct);
                foreach (var change in changes.Where(ch => ch.Changed))
                {
                    var role = SqlText.CatalogIdentifier(change.RoleName);
                    if (!passwordless.Contains(change.RoleName))
                    {
                        await ExecuteAsync(conn, $"ALTER ROLE {role} PASSWORD NULL", ct);
                    }

                    foreach (var database in change.ConnectRevokedOn)
                    {
                        await ExecuteAsync(conn, $"REVOKE CONNECT ON DATABASE {SqlText.CatalogIdentifier(database)} FROM {role}", ct);
                    }
                }

                // Remembered on the cluster, so that a later preparation (a new database, a second registration) does not
                // give these login roles back the direct CONNECT just revoked.
                var logins = changes.Where(ch => ch.Changed && candidates.TryGetValue(ch.RoleName, out var c) && c.CanLogin).Select(ch => ch.RoleName).ToList();
                if (logins.Count > 0)
                {
                    await EnsurePasswordsDisabledRoleAsync(conn, ct);
                    var marker = SqlText.Identifier(RoleMarkers.PasswordsDisabledRoleName);
                    foreach (var login in logins)
                    {
                        await ExecuteAsync(conn, $"GRANT {marker} TO {SqlText.CatalogIdentifier(login)}", ct);
                    }
                }

                await tx.CommitAsync(ct);
                var count = changes.Count(ch => ch.Changed);
                AdministrationLog.PasswordsDisabled(log, count, endpoint);
            }

            return (IReadOnlyList<PasswordChange>)changes;
        });
    }

    private static async Task EnsurePasswordsDisabledRoleAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using (var cmd = new NpgsqlCommand("select shobj_description(oid, 'pg_authid') from pg_roles where rolname = $1::name", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.PasswordsDisabledRoleName });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                if (!RoleMarkers.IsPasswordsDisabledRole(reader.IsDBNull(0) ? null : reader.GetString(0)))
                {
                    throw new ClusterOperationException(
                        ClusterFailure.ServerError,
                        $"A role named \"{RoleMarkers.PasswordsDisabledRoleName}\" exists that IamDb did not create; IamDb needs that name. Rename or drop it, then try again.")
                    { Subject = RoleMarkers.PasswordsDisabledRoleName };
                }

                return;
            }
        }

        var role = SqlText.Identifier(RoleMarkers.PasswordsDisabledRoleName);
        await ExecuteAsync(conn, $"CREATE ROLE {role} NOLOGIN NOINHERIT", ct);
        await ExecuteAsync(
            conn,
            $"COMMENT ON ROLE {role} IS {SqlText.Literal(RoleMarkers.PasswordsDisabledPrefix + " members lost their password to disable-passwords; preparation grants them no CONNECT")}",
            ct);
    }

    /// <summary>
    /// Per role, the databases on which it holds CONNECT by a grant (not as the database's owner) that this admin can
    /// revoke, sorted. A non-superuser revokes only what it granted or, with the owner's privileges, what the owner
    /// granted; any other grant would survive the REVOKE, so it is not reported as revoked.
    /// </summary>
    private static async Task<Dictionary<string, IReadOnlyList<string>>> ReadDirectConnectGrantsAsync(
        NpgsqlConnection conn, AdminInfo admin, IReadOnlyList<string> roles, CancellationToken ct)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (roles.Count == 0)
        {
            return result;
        }

        await using var cmd = new NpgsqlCommand(
            """
            select r.rolname::text, array_agg(distinct d.datname::text order by d.datname::text)
            from pg_database d cross join lateral aclexplode(d.datacl) a join pg_roles r on r.oid = a.grantee
            where a.privilege_type = 'CONNECT' and d.datdba <> r.oid and r.rolname = any($1::name[])
              and ($2 or pg_get_userbyid(a.grantor) = current_user or (a.grantor = d.datdba and pg_has_role(d.datdba, 'USAGE')))
            group by r.rolname
            """,
            conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = roles.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = admin.IsSuperuser });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = reader.GetFieldValue<string[]>(1);
        }

        return result;
    }

    /// <summary>HasPassword is null when the admin is not a superuser and so cannot see it.</summary>
    private sealed record PasswordCandidate(bool IsSuperuser, bool? HasPassword, string? Comment, bool CanLogin);

    /// <summary>
    /// The named roles, or with none named every login role that may have a password (IamDb's own left out).
    /// </summary>
    private static async Task<Dictionary<string, PasswordCandidate>> ReadPasswordCandidatesAsync(
        NpgsqlConnection conn, AdminInfo admin, IReadOnlyList<string> roles, CancellationToken ct)
    {
        var source = admin.IsSuperuser ? "pg_authid" : "pg_roles";
        var hasPassword = admin.IsSuperuser ? "r.rolpassword is not null" : "null::bool";
        var filter = roles.Count > 0
            ? "r.rolname = any($1::name[])"
            : $"r.rolcanlogin and coalesce(shobj_description(r.oid, 'pg_authid'), '') not like 'iamdb:%'{(admin.IsSuperuser ? " and r.rolpassword is not null" : "")}";
        await using var cmd = new NpgsqlCommand(
            $"select r.rolname::text, r.rolsuper, {hasPassword}, shobj_description(r.oid, 'pg_authid'), r.rolcanlogin from {source} r where {filter}", conn);
        if (roles.Count > 0)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = roles.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        }

        var result = new Dictionary<string, PasswordCandidate>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = new PasswordCandidate(
                reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4));
        }

        return result;
    }
}
