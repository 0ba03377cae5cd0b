using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using static IamDb.Postgres.Credentials.AdminCatalog;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// Issues per-credential login roles: validates the request, reads (or trusts a fresh read of) the catalog, prepares
/// databases that lack their connect role, and runs the issuance batch. Owns the pool of SCRAM secrets.
/// </summary>
/// <param name="sources">The admin connections.</param>
/// <param name="preparer">Prepares a database found unprepared before issuing.</param>
/// <param name="time">The clock, for the age of a catalog read.</param>
/// <param name="log">Where issuances are logged (names only).</param>
/// <param name="scramIterations">PBKDF2 iterations of the verifiers.</param>
/// <param name="catalogRecheckInterval">How long a catalog read is trusted.</param>
internal sealed class LoginRoleIssuer(
    AdminDataSources sources, ClusterPreparer preparer, TimeProvider time, ILogger log, int scramIterations, TimeSpan catalogRecheckInterval) : IDisposable
{
    // Retries cover races that another issuance wins: two AutoCreates of one base user, a repeated random suffix.
    private const int MaxIssueAttempts = 5;
    private const int MaxPreparationsPerIssue = 3;

    /// <summary>The longest login prefix accepted, so that the base user and the random suffix still fit 63 bytes.</summary>
    private const int MaxPrefixBytes = 16;

    /// <summary>Random bytes behind each password: 256 bits, written as 43 base64url characters.</summary>
    internal const int PasswordBytes = 32;

    // Made on first issuance.
    private ScramSecretPool Secrets => LazyInitializer.EnsureInitialized(ref _secrets, () => new ScramSecretPool(scramIterations));

    private ScramSecretPool? _secrets;

    /// <summary>See <see cref="IClusterAdministration.IssueAsync"/>.</summary>
    public async Task<IssuedLoginRole> IssueAsync(ClusterEndpoint endpoint, CredentialRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(request);
        var groups = ValidateRequest(request);

        // PBKDF2 is the costly part of the work done here: the pool has usually made the secret already, and when it has
        // not, it is being made while the connection opens and the catalog is read.
        var secret = Secrets.TakeAsync(ct).AsTask();
        var clusterKey = $"{endpoint.Host}:{endpoint.Port}";
        var known = FreshKnownDatabases(clusterKey, request, groups);
        var preparations = 0;
        for (var attempt = 1; ; attempt++)
        {
            await using var conn = await sources.OpenAsync(endpoint, null, ct);
            List<string> connectRoles;
            var createBaseUser = false;
            var fast = known is not null;
            if (known is not null)
            {
                // Fast path, exactly the raw DDL: the databases were read and found prepared moments ago. A missing base
                // user or group fails its GRANT (nothing is committed) and the next attempt reads the catalog.
                connectRoles = [request.DbName is null ? RoleMarkers.AllDatabasesRoleName : RoleMarkers.ConnectRoleName(request.DbName)];
            }
            else
            {
                var state = await GuardAsync(endpoint, () => ReadIssuanceStateAsync(conn, request, groups, ct));
                var skipped = FreshSkipped(clusterKey);
                if (request.DbName is not null && !IsPrepared(state, request.DbName) && skipped.TryGetValue(request.DbName, out var why))
                {
                    throw new ClusterOperationException(
                        ClusterFailure.DatabaseNotPrepared,
                        $"Database \"{SqlText.Printable(request.DbName)}\" is not prepared for IamDb credentials, so a credential cannot be scoped to it: "
                        + $"the admin \"{SqlText.Printable(endpoint.AdminUser)}\" {why}. IamDb tries to prepare it again at most a minute later.")
                    { Subject = request.DbName };
                }

                var ready = ConnectRolesFor(state, request, skipped);
                if (ready is null)
                {
                    // A database without its connect role (created after registration) or with PUBLIC's CONNECT back: prepare
                    // first, in transactions of its own, so the issuance itself still only inserts rows. Another database can
                    // appear between a preparation and the next read, so this may take a few rounds.
                    if (++preparations > MaxPreparationsPerIssue)
                    {
                        throw new ClusterOperationException(
                            ClusterFailure.ServerError, $"The databases of {endpoint.Host}:{endpoint.Port} lost their connect roles while a credential was issued; try again.");
                    }

                    await conn.CloseAsync();
                    var prepared = await preparer.PrepareAsync(endpoint, ct);
                    _skipped[clusterKey] = new SkippedDatabases(
                        prepared.SkippedDatabases.ToDictionary(s => s.Database, s => s.Reason, StringComparer.Ordinal), time.GetUtcNow());
                    continue;
                }

                connectRoles = ready;
                createBaseUser = !state.Roles.ContainsKey(request.BaseUser);
                _knownDatabases[clusterKey] = new KnownDatabases(
                    [.. state.Databases.Keys.Where(d => IsPrepared(state, d)).Order(StringComparer.Ordinal)], time.GetUtcNow());
            }

            var (password, verifier) = await secret;
            var plan = new IssuanceSql.Plan(
                RoleMarkers.NewLoginRoleName(request.LoginPrefix, request.BaseUser),
                verifier,
                RoleMarkers.ToMicroseconds(request.ExpiresAt),
                request.BaseUser,
                createBaseUser,
                groups,
                connectRoles,
                request.DbName)
            {
                AdminUser = endpoint.AdminUser,
                AllowPrivilegedBaseUser = request.AllowPrivilegedDbUser,
            };
            var statements = IssuanceSql.Build(plan);
            try
            {
                await ExecuteBatchAsync(conn, statements, ct);
                AdministrationLog.Issued(log, plan.LoginRole, plan.BaseUser, endpoint, plan.ExpiresAt);
                return new IssuedLoginRole(plan.LoginRole, password, plan.ExpiresAt, plan.CreateBaseUser);
            }
            catch (PostgresException pe) when (CheckRefusal(pe, request, groups) is { } refusal)
            {
                // The check at the head of the batch found a role the request must not use; nothing was created.
                throw refusal;
            }
            catch (PostgresException pe) when (fast && attempt < MaxIssueAttempts && pe.SqlState == PostgresErrorCodes.UndefinedObject)
            {
                known = null; // Read the catalog, then decide (and report what is missing).
            }
            catch (PostgresException pe) when (attempt < MaxIssueAttempts && IsLostRace(pe))
            {
                // Nothing was committed; the next attempt reads the catalog again.
                known = null;
            }
            catch (PostgresException pe) when (pe.SqlState == PostgresErrorCodes.UndefinedObject)
            {
                // Dropped between the read and the batch.
                throw StepFailure(pe, endpoint, request);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                throw ClusterErrors.OnCommand(e, endpoint);
            }
        }
    }

    // Per cluster, the connectable databases the last catalog read found all prepared, and when it read them.
    private readonly ConcurrentDictionary<string, KnownDatabases> _knownDatabases = new(StringComparer.Ordinal);

    private sealed record KnownDatabases(string[] Names, DateTimeOffset ReadAt);

    // Per cluster, the databases the last preparation skipped (the admin may not prepare them) with the reasons. Trusted
    // for a minute, then the next issuance prepares again: an operator who fixed the cause does not have to re-register.
    private readonly ConcurrentDictionary<string, SkippedDatabases> _skipped = new(StringComparer.Ordinal);

    private static readonly TimeSpan SkippedRecheckInterval = TimeSpan.FromMinutes(1);

    private sealed record SkippedDatabases(Dictionary<string, string> Reasons, DateTimeOffset PreparedAt);

    private Dictionary<string, string> FreshSkipped(string clusterKey) =>
        _skipped.TryGetValue(clusterKey, out var skipped) && time.GetUtcNow() - skipped.PreparedAt < SkippedRecheckInterval
            ? skipped.Reasons
            : [];

    /// <summary>The databases to join without reading the catalog, or null when it must be read first.</summary>
    private string[]? FreshKnownDatabases(string clusterKey, CredentialRequest request, List<string> groups)
    {
        if (!_knownDatabases.TryGetValue(clusterKey, out var known) || time.GetUtcNow() - known.ReadAt >= catalogRecheckInterval)
        {
            return null;
        }

        if (request.DbName is not null && !known.Names.Contains(request.DbName, StringComparer.Ordinal))
        {
            return null;
        }

        // Only the read tells whether a name is one of IamDb's own roles; every one of those has IamDb's name shape.
        return RoleMarkers.MayBeManagedName(request.BaseUser) || groups.Exists(RoleMarkers.MayBeManagedName) ? null : known.Names;
    }

    /// <summary>Validates every name of the request; returns the groups without duplicates or the base user.</summary>
    private static List<string> ValidateRequest(CredentialRequest request)
    {
        SqlText.ValidateRoleName(request.BaseUser, "database user");
        if (request.DbName is not null)
        {
            SqlText.ValidateIdentifier(request.DbName, "database");
        }

        var prefixProblem = SqlText.IdentifierProblem(request.LoginPrefix);
        if (prefixProblem is null && Encoding.UTF8.GetByteCount(request.LoginPrefix) > MaxPrefixBytes)
        {
            prefixProblem = $"is longer than {MaxPrefixBytes} bytes";
        }

        if (prefixProblem is not null)
        {
            throw new ClusterOperationException(
                ClusterFailure.InvalidName, $"The login prefix \"{SqlText.Printable(request.LoginPrefix)}\" {prefixProblem}.")
            { Subject = request.LoginPrefix };
        }

        ArgumentNullException.ThrowIfNull(request.DbGroups);
        var groups = new List<string>(request.DbGroups.Count);
        foreach (var group in request.DbGroups)
        {
            SqlText.ValidateRoleName(group, "group");
            if (!string.Equals(group, request.BaseUser, StringComparison.Ordinal) && !groups.Contains(group, StringComparer.Ordinal))
            {
                groups.Add(group);
            }
        }

        return groups;
    }

    /// <summary>What issuance needs to know, read in one round trip.</summary>
    private sealed record IssuanceState(
        Dictionary<string, DatabaseState> Databases,
        Dictionary<string, string?> Roles,
        HashSet<string> AllDatabasesMemberOf);

    /// <summary>A connectable database: whether PUBLIC still has CONNECT, and which roles hold CONNECT on it.</summary>
    private sealed record DatabaseState(bool PublicConnect, string[] ConnectGrantees);

    /// <summary>
    /// Every connectable database with its CONNECT grantees, and of the roles the request names and every connect role,
    /// those that exist with their comments. The role lookups are index scans, so the cost does not grow with the number
    /// of live credentials.
    /// </summary>
    private static async Task<IssuanceState> ReadIssuanceStateAsync(
        NpgsqlConnection conn, CredentialRequest request, List<string> groups, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            select 'd', d.datname::text,
                   exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                           where a.grantee = 0 and a.privilege_type = 'CONNECT'),
                   null::text,
                   array(select r.rolname::text from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                         join pg_roles r on r.oid = a.grantee
                         where a.privilege_type = 'CONNECT' and r.rolname >= $2::name and r.rolname < $3::name)
            from pg_database d where d.datallowconn
            union all
            select 'a', r.rolname::text, true, null::text, null::text[]
            from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles x on x.oid = m.member
            where x.rolname = $4::name
            union all
            select 'r', r.rolname::text, r.rolcanlogin, shobj_description(r.oid, 'pg_authid'), null::text[]
            from pg_roles r
            where r.rolname = any($1::name[]) or (r.rolname >= $2::name and r.rolname < $3::name)
            """,
            conn);
        var names = new List<string>(groups.Count + 1) { request.BaseUser };
        names.AddRange(groups);
        names.Add(RoleMarkers.AllDatabasesRoleName);
        cmd.Parameters.Add(new NpgsqlParameter { Value = names.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.ConnectRoleNamePrefix, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ConnectRoleNameUpperBound, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = RoleMarkers.AllDatabasesRoleName, NpgsqlDbType = NpgsqlDbType.Text });

        var databases = new Dictionary<string, DatabaseState>(StringComparer.Ordinal);
        var roles = new Dictionary<string, string?>(StringComparer.Ordinal);
        var allDatabasesIn = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var name = reader.GetString(1);
            var kind = reader.GetString(0);
            if (kind == "d")
            {
                databases[name] = new DatabaseState(reader.GetBoolean(2), reader.GetFieldValue<string[]>(4));
            }
            else if (kind == "a")
            {
                allDatabasesIn.Add(name);
            }
            else
            {
                roles[name] = reader.IsDBNull(3) ? null : reader.GetString(3);
            }
        }

        var state = new IssuanceState(databases, roles, allDatabasesIn);
        CheckRequestAgainst(state, request, groups);
        return state;
    }

    // Connect role names sort between "iamdb_connect:" and this ( ';' follows ':' ).
    private static readonly string ConnectRoleNameUpperBound = RoleMarkers.ConnectRoleNamePrefix[..^1] + ";";

    private static void CheckRequestAgainst(IssuanceState state, CredentialRequest request, List<string> groups)
    {
        if (request.DbName is not null && !state.Databases.ContainsKey(request.DbName))
        {
            throw new ClusterOperationException(
                ClusterFailure.DatabaseMissing, $"Database \"{SqlText.Printable(request.DbName)}\" does not exist on the cluster (or does not allow connections).")
            { Subject = request.DbName };
        }

        if (state.Roles.TryGetValue(request.BaseUser, out var baseComment))
        {
            if (baseComment?.StartsWith("iamdb:", StringComparison.Ordinal) == true)
            {
                throw new ClusterOperationException(
                    ClusterFailure.InvalidName, $"\"{SqlText.Printable(request.BaseUser)}\" is a role IamDb manages, not a database user.")
                { Subject = request.BaseUser };
            }
        }
        else if (!request.AutoCreate)
        {
            throw BaseUserMissing(request.BaseUser);
        }

        foreach (var group in groups)
        {
            if (!state.Roles.TryGetValue(group, out var comment))
            {
                throw GroupMissing(group);
            }

            if (comment?.StartsWith("iamdb:", StringComparison.Ordinal) == true)
            {
                throw new ClusterOperationException(
                    ClusterFailure.InvalidName, $"\"{SqlText.Printable(group)}\" is a role IamDb manages, not a group.")
                { Subject = group };
            }
        }
    }

    /// <summary>
    /// The connect roles the credential joins, or null when a database needs preparing first. A database the last
    /// preparation skipped (<paramref name="skipped"/>) does not count: preparing again would skip it again.
    /// </summary>
    private static List<string>? ConnectRolesFor(IssuanceState state, CredentialRequest request, Dictionary<string, string> skipped)
    {
        // Every database must be prepared, not only the requested one: an unprepared database still lets PUBLIC in.
        if (!state.Roles.TryGetValue(RoleMarkers.AllDatabasesRoleName, out var allComment) || !RoleMarkers.IsAllDatabasesRole(allComment))
        {
            return null;
        }

        foreach (var database in state.Databases.Keys)
        {
            if (!IsPrepared(state, database) && !skipped.ContainsKey(database))
            {
                return null;
            }
        }

        return [request.DbName is null ? RoleMarkers.AllDatabasesRoleName : RoleMarkers.ConnectRoleName(request.DbName)];
    }

    /// <summary>True when <paramref name="database"/> has its connect role, holding CONNECT, in the all-databases role, and PUBLIC has no CONNECT.</summary>
    private static bool IsPrepared(IssuanceState state, string database)
    {
        var connectRole = RoleMarkers.ConnectRoleName(database);
        return state.Databases.TryGetValue(database, out var db)
            && !db.PublicConnect
            && db.ConnectGrantees.Contains(connectRole, StringComparer.Ordinal)
            && state.AllDatabasesMemberOf.Contains(connectRole)
            && state.Roles.TryGetValue(connectRole, out var comment) && RoleMarkers.IsConnectRole(comment);
    }

    private static async Task ExecuteBatchAsync(NpgsqlConnection conn, List<IssuanceSql.Statement> statements, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Sql));
        }

        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException pe) when (pe.BatchCommand is not null)
        {
            var index = batch.BatchCommands.IndexOf(pe.BatchCommand);
            if (index >= 0)
            {
                pe.Data[FailedStepKey] = statements[index];
            }

            throw;
        }
    }

    private const string FailedStepKey = "iamdb.step";

    private static bool IsLostRace(PostgresException pe)
    {
        if (pe.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
        {
            return true;
        }

        // A role-name clash (another issuance created the same base user first, or a login name collided) is safe to retry.
        // The failing batch command is not always known (a concurrent CREATE ROLE of the same name can fail as 42710 with
        // no command attached), so the server's own routine and constraint identify it too.
        return pe.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject
            && (pe.Data[FailedStepKey] is IssuanceSql.Statement { Step: IssuanceSql.Step.CreateBaseUser or IssuanceSql.Step.CreateLoginRole }
                || pe.Routine == "CreateRole"
                || pe.ConstraintName == "pg_authid_rolname_index");
    }

    private static ClusterOperationException StepFailure(PostgresException pe, ClusterEndpoint endpoint, CredentialRequest request) =>
        pe.Data[FailedStepKey] switch
        {
            IssuanceSql.Statement { Step: IssuanceSql.Step.GrantBaseUser or IssuanceSql.Step.SetRole } => BaseUserMissing(request.BaseUser),
            IssuanceSql.Statement { Step: IssuanceSql.Step.GrantGroup } s => GroupMissing(s.Subject),
            IssuanceSql.Statement { Step: IssuanceSql.Step.GrantConnectRole } s => new ClusterOperationException(
                ClusterFailure.ServerError, $"The connect role \"{SqlText.Printable(s.Subject)}\" was dropped while a credential was issued; try again.", pe),
            _ => ClusterErrors.OnCommand(pe, endpoint),
        };

    /// <summary>The refusal the batch's check raised, as the failure the caller sees; null for any other error.</summary>
    private static ClusterOperationException? CheckRefusal(PostgresException pe, CredentialRequest request, List<string> groups)
    {
        if (pe.SqlState is not (IssuanceSql.NotADatabaseGroupState or IssuanceSql.PrivilegedDbUserState
            or IssuanceSql.DatabaseScopeState or IssuanceSql.ManagedBaseUserState))
        {
            return null;
        }

        // "N:reason": N is the role's place in the check's list, the base user first, then the groups.
        var colon = pe.MessageText.IndexOf(':', StringComparison.Ordinal);
        var place = colon > 0 && int.TryParse(pe.MessageText.AsSpan(0, colon), CultureInfo.InvariantCulture, out var n) ? n : 1;
        var subject = place >= 2 && place - 2 < groups.Count ? groups[place - 2] : request.BaseUser;
        var name = SqlText.Printable(subject);
        var reason = SqlText.Printable(pe.MessageText[(colon + 1)..]);
        return pe.SqlState switch
        {
            IssuanceSql.NotADatabaseGroupState => new ClusterOperationException(
                ClusterFailure.NotADatabaseGroup,
                $"\"{name}\" is not a database group: it {reason}. A group must be a role that cannot log in, without SUPERUSER, CREATEROLE, "
                + "CREATEDB, REPLICATION or BYPASSRLS, and not a member of a role with them or of a predefined pg_* role.",
                pe)
            { Subject = subject },
            IssuanceSql.PrivilegedDbUserState => new ClusterOperationException(
                ClusterFailure.PrivilegedDbUser,
                $"\"{name}\" is a privileged database user: it {reason}. Credentials for privileged users are only issued on a cluster "
                + "registered with AllowPrivilegedDbUsers=true.",
                pe)
            { Subject = subject },
            IssuanceSql.DatabaseScopeState => new ClusterOperationException(
                ClusterFailure.DatabaseScopeNotEnforceable,
                $"A credential scoped to database \"{SqlText.Printable(request.DbName)}\" would reach other databases: \"{name}\" {reason}, "
                + "and the credential would inherit that. "
                + (string.Equals(subject, request.BaseUser, StringComparison.Ordinal)
                    ? $"Run \"iamdb clusters disable-passwords <cluster> --user {name}\" (it also removes the CONNECT grants registration gave the user), or revoke that grant."
                    : "Revoke that grant, or ask without DbName."),
                pe)
            { Subject = subject },
            IssuanceSql.ManagedBaseUserState => new ClusterOperationException(
                ClusterFailure.InvalidName, $"\"{name}\" is a role IamDb manages, not a database user.", pe)
            { Subject = subject },
            _ => null,
        };
    }

    private static ClusterOperationException BaseUserMissing(string baseUser) =>
        new(
            ClusterFailure.BaseUserMissing,
            $"Database user \"{SqlText.Printable(baseUser)}\" does not exist on the cluster. "
            + "Set AutoCreate to true to create it (without a password), or create it first.")
        { Subject = baseUser };

    private static ClusterOperationException GroupMissing(string group) =>
        new(ClusterFailure.GroupMissing, $"Database group \"{SqlText.Printable(group)}\" does not exist on the cluster.") { Subject = group };

    /// <summary>32 random bytes as base64url without padding: safe in connection strings, URLs and shells.</summary>
    internal static string NewPassword() => Base64Url(RandomNumberGenerator.GetBytes(PasswordBytes));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <inheritdoc/>
    public void Dispose() => _secrets?.Dispose();
}
