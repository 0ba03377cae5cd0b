using Microsoft.Extensions.Logging;
using Npgsql;

namespace IamDb.Postgres.Credentials;

public sealed partial class PostgresClusterAdministration
{
    /// <inheritdoc/>
    public async Task<IReadOnlyList<PasswordChange>> DisablePasswordsAsync(
        ClusterEndpoint endpoint, IReadOnlyList<string> roles, bool dryRun, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            SqlText.ValidateIdentifier(role, "database user");
        }

        await using var conn = await _sources.OpenAsync(endpoint, null, ct);
        return await GuardAsync(endpoint, async () =>
        {
            var admin = await ReadAdminAsync(conn, endpoint, ct);
            var candidates = await ReadPasswordCandidatesAsync(conn, admin, roles, ct);
            var changes = new List<PasswordChange>();
            IEnumerable<string> names = roles.Count == 0 ? candidates.Keys.Order(StringComparer.Ordinal) : roles.Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                var reason = !candidates.TryGetValue(name, out var c) ? "no such role"
                    : string.Equals(name, admin.Name, StringComparison.Ordinal) ? "is the admin IamDb manages the cluster as"
                    : c.IsSuperuser ? "is a superuser; a superuser's password cannot be disabled"
                    : RoleMarkers.IsCredential(c.Comment) || RoleMarkers.IsConnectRole(c.Comment) ? "is a role IamDb manages"
                    : c.HasPassword == false ? "has no password"
                    : null;
                changes.Add(new PasswordChange(name, reason is null, reason));
            }

            if (!dryRun && changes.Any(ch => ch.Changed))
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                foreach (var change in changes.Where(ch => ch.Changed))
                {
                    await ExecuteAsync(conn, $"ALTER ROLE {SqlText.CatalogIdentifier(change.RoleName)} PASSWORD NULL", ct);
                }

                await tx.CommitAsync(ct);
                var count = changes.Count(ch => ch.Changed);
                AdministrationLog.PasswordsDisabled(_log, count, endpoint);
            }

            return (IReadOnlyList<PasswordChange>)changes;
        });
    }

    /// <summary>HasPassword is null when the admin is not a superuser and so cannot see it.</summary>
    private sealed record PasswordCandidate(bool IsSuperuser, bool? HasPassword, string? Comment);

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
            $"select r.rolname::text, r.rolsuper, {hasPassword}, shobj_description(r.oid, 'pg_authid') from {source} r where {filter}", conn);
        if (roles.Count > 0)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = roles.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        }

        var result = new Dictionary<string, PasswordCandidate>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = new PasswordCandidate(
                reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        }

        return result;
    }
}
