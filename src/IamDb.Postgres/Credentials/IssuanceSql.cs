using System.Security.Cryptography;
using System.Text;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// The statements of one issuance, sent as one Npgsql batch: without an explicit transaction a batch runs in one
/// implicit transaction, so it costs one round trip and one commit and a failing statement undoes all of them. Only new
/// rows are written (pg_authid, pg_auth_members, pg_db_role_setting, pg_shdescription); no shared row such as a
/// database ACL is updated, which is what lets concurrent issuances commit without <c>tuple concurrently updated</c>.
/// The load test sends the same statements straight to measure the ceiling.
/// </summary>
internal static class IssuanceSql
{
    /// <summary>SQLSTATE of the check's refusal: a requested group is not a plain database group.</summary>
    public const string NotADatabaseGroupState = "IDB01";

    /// <summary>SQLSTATE of the check's refusal: the base user is privileged and the request did not allow it.</summary>
    public const string PrivilegedDbUserState = "IDB02";

    /// <summary>SQLSTATE of the check's refusal: the base user or a group holds CONNECT on a database other than DbName.</summary>
    public const string DatabaseScopeState = "IDB03";

    /// <summary>SQLSTATE of the check's refusal: the base user is one of IamDb's own roles.</summary>
    public const string ManagedBaseUserState = "IDB04";

    /// <summary>What a statement does, so a failure can be put down to the right name.</summary>
    internal enum Step
    {
        Check,
        CreateBaseUser,
        CreateLoginRole,
        GrantBaseUser,
        GrantGroup,
        GrantConnectRole,
        SetRole,
        Comment,
        SetPassword,
    }

    /// <summary>One statement and the name it is about.</summary>
    internal sealed record Statement(Step Step, string Subject, string Sql);

    /// <summary>What to create; every name already validated.</summary>
    internal sealed record Plan(
        string LoginRole,
        string Verifier,
        DateTimeOffset ExpiresAt,
        string BaseUser,
        bool CreateBaseUser,
        IReadOnlyList<string> Groups,
        IReadOnlyList<string> ConnectRoles,
        string? DbName)
    {
        /// <summary>The cluster's admin role as registered; refused as a group, and as the base user unless allowed.</summary>
        public string AdminUser { get; init; } = "";

        /// <summary>Let a privileged base user through the check (the cluster's <c>AllowPrivilegedDbUsers</c>).</summary>
        public bool AllowPrivilegedBaseUser { get; init; }
    }

    /// <summary>
    /// The statements for <paramref name="plan"/>. The session acts as the base user (<c>SET role</c>) unless groups were
    /// asked for: PostgreSQL checks privileges of the current role only, so after <c>SET ROLE base</c> the credential's
    /// own group memberships would not apply. With groups the session stays the login role, which inherits the base
    /// user's privileges and the groups'.
    /// <para>
    /// The order is what keeps the password's SCRAM verifier out of the server's log: the check runs first, the login role
    /// is created without a password, and the verifier is sent by the last statement, after everything that can fail.
    /// PostgreSQL logs the text of a failing statement (<c>log_min_error_statement</c>), so the verifier's statement is
    /// never one that fails for a reason of the request.
    /// </para>
    /// </summary>
    public static List<Statement> Build(Plan plan)
    {
        var login = SqlText.Identifier(plan.LoginRole);
        var list = new List<Statement>(8 + plan.Groups.Count + plan.ConnectRoles.Count)
        {
            new(Step.Check, plan.BaseUser, Check(plan)),
        };
        if (plan.CreateBaseUser)
        {
            list.Add(new(
                Step.CreateBaseUser,
                plan.BaseUser,
                $"CREATE ROLE {SqlText.Identifier(plan.BaseUser)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"));
        }

        list.Add(new(
            Step.CreateLoginRole,
            plan.LoginRole,
            $"CREATE ROLE {login} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
            + $"VALID UNTIL {RoleMarkers.TimestampLiteral(plan.ExpiresAt)}"));
        list.Add(new(Step.GrantBaseUser, plan.BaseUser, $"GRANT {SqlText.Identifier(plan.BaseUser)} TO {login}"));
        foreach (var group in plan.Groups)
        {
            list.Add(new(Step.GrantGroup, group, $"GRANT {SqlText.Identifier(group)} TO {login}"));
        }

        foreach (var connectRole in plan.ConnectRoles)
        {
            list.Add(new(Step.GrantConnectRole, connectRole, $"GRANT {SqlText.CatalogIdentifier(connectRole)} TO {login}"));
        }

        if (plan.Groups.Count == 0)
        {
            list.Add(new(Step.SetRole, plan.BaseUser, $"ALTER ROLE {login} SET role = {SqlText.Literal(plan.BaseUser)}"));
        }

        var comment = RoleMarkers.CredentialComment(plan.BaseUser, plan.DbName, plan.ExpiresAt);
        list.Add(new(Step.Comment, plan.LoginRole, $"COMMENT ON ROLE {login} IS {SqlText.Literal(comment)}"));
        list.Add(new(Step.SetPassword, plan.LoginRole, $"ALTER ROLE {login} PASSWORD {SqlText.Literal(plan.Verifier)}"));
        return list;
    }

    /// <summary>
    /// The first statement: reads the catalog inside the issuance's transaction and raises (one of the IDB0x SQLSTATEs, the
    /// message <c>N:reason</c> where N is the role's place, 1 the base user and 2… the groups in order; Npgsql redacts details) when a requested group is not a plain group, when the base user is
    /// privileged and that was not allowed, or when, with DbName, the base user or a group holds CONNECT on another
    /// database directly (the credential would inherit it). A raise undoes the whole batch. Roles that do not exist are
    /// left to the GRANTs that follow, which fail on them. A superuser admin also turns statement logging off for the
    /// transaction, so that not even an operator's <c>log_statement = 'ddl'</c> writes the verifier down.
    /// </summary>
    private static string Check(Plan plan)
    {
        var targets = new StringBuilder("ARRAY[").Append(SqlText.Literal(plan.BaseUser));
        foreach (var group in plan.Groups)
        {
            targets.Append(", ").Append(SqlText.Literal(group));
        }

        targets.Append("]::text[]");
        var body = $$"""
            DECLARE
              targets text[] := {{targets}};
              db text := {{(plan.DbName is null ? "NULL" : SqlText.Literal(plan.DbName))}};
              admin_role text := {{SqlText.Literal(plan.AdminUser)}};
              allow_privileged boolean := {{(plan.AllowPrivilegedBaseUser ? "true" : "false")}};
              t int;
              r record;
              found_reason text;
              code text;
            BEGIN
              IF current_setting('is_superuser') = 'on' THEN
                PERFORM set_config('log_statement', 'none', true), set_config('log_min_error_statement', 'panic', true),
                        set_config('log_min_duration_statement', '-1', true);
              END IF;
              FOR t IN 1 .. cardinality(targets) LOOP
                SELECT x.oid, x.rolname, x.rolcanlogin, coalesce(shobj_description(x.oid, 'pg_authid'), '') AS note
                  INTO r FROM pg_roles x WHERE x.rolname = targets[t];
                CONTINUE WHEN NOT FOUND;
                found_reason := NULL;
                code := CASE WHEN t = 1 THEN '{{PrivilegedDbUserState}}' ELSE '{{NotADatabaseGroupState}}' END;
                IF t = 1 AND r.note LIKE 'iamdb:%' THEN
                  code := '{{ManagedBaseUserState}}';
                  found_reason := 'is a role IamDb manages';
                ELSIF t > 1 AND (r.rolname = admin_role OR r.rolname = session_user) THEN
                  found_reason := 'is the admin IamDb manages the cluster as';
                ELSIF t > 1 AND (r.note LIKE 'iamdb:%' OR r.rolname = '{{RoleMarkers.AllDatabasesRoleName}}'
                                 OR starts_with(r.rolname, '{{RoleMarkers.ConnectRoleNamePrefix}}')) THEN
                  found_reason := 'is a role IamDb manages';
                ELSIF t > 1 AND r.rolcanlogin THEN
                  found_reason := 'is a login role';
                ELSIF t = 1 AND NOT allow_privileged AND (r.rolname = admin_role OR r.rolname = session_user) THEN
                  found_reason := 'is the admin IamDb manages the cluster as';
                END IF;
                IF found_reason IS NULL AND (t > 1 OR NOT allow_privileged) THEN
                  -- Attributes and predefined pg_* roles, on the role itself or anything it is (transitively) a member of.
                  WITH RECURSIVE up(oid) AS (
                    SELECT r.oid
                    UNION
                    SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid
                  ), privileged AS (
                    SELECT a.oid, a.rolname,
                           concat_ws(', ', CASE WHEN a.rolsuper THEN 'SUPERUSER' END, CASE WHEN a.rolcreaterole THEN 'CREATEROLE' END,
                                     CASE WHEN a.rolcreatedb THEN 'CREATEDB' END, CASE WHEN a.rolreplication THEN 'REPLICATION' END,
                                     CASE WHEN a.rolbypassrls THEN 'BYPASSRLS' END) AS attributes,
                           coalesce(shobj_description(a.oid, 'pg_authid'), '') LIKE 'iamdb:%' AS managed
                    FROM up JOIN pg_roles a ON a.oid = up.oid
                  )
                  SELECT CASE
                           WHEN p.oid = r.oid THEN 'has ' || p.attributes
                           WHEN p.attributes <> '' THEN 'is a member of ' || p.rolname || ', which has ' || p.attributes
                           WHEN p.managed THEN 'is a member of ' || p.rolname || ', a role IamDb manages'
                           ELSE 'is a member of ' || p.rolname
                         END
                    INTO found_reason
                    FROM privileged p
                   WHERE p.attributes <> '' OR (p.oid <> r.oid AND (starts_with(p.rolname, 'pg_') OR (t > 1 AND p.managed)))
                   ORDER BY p.oid <> r.oid, p.attributes = '', p.rolname
                   LIMIT 1;
                END IF;
                IF found_reason IS NULL AND db IS NOT NULL THEN
                  -- CONNECT that PostgreSQL would let the login role inherit, on a database other than DbName.
                  code := '{{DatabaseScopeState}}';
                  WITH RECURSIVE up(oid) AS (
                    SELECT r.oid
                    UNION
                    SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid
                  )
                  SELECT CASE WHEN a.oid = r.oid THEN 'holds CONNECT on database "' || d.datname || '"'
                              ELSE 'is a member of ' || a.rolname || ', which holds CONNECT on database "' || d.datname || '"' END
                    INTO found_reason
                    FROM up JOIN pg_roles a ON a.oid = up.oid CROSS JOIN pg_database d
                   WHERE d.datallowconn AND d.datname <> db
                     AND EXISTS (SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) g
                                 WHERE g.grantee = a.oid AND g.privilege_type = 'CONNECT')
                   ORDER BY a.oid <> r.oid, d.datname
                   LIMIT 1;
                END IF;
                IF found_reason IS NOT NULL THEN
                  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = t || ':' || found_reason;
                END IF;
              END LOOP;
            END
            """;

        // Dollar quoting: the tag must not occur in the body (a name can contain '$').
        var tag = "$iamdb_check$";
        while (body.Contains(tag, StringComparison.Ordinal))
        {
            tag = "$iamdb_check_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "$";
        }

        return $"DO {tag}\n{body}\n{tag}";
    }
}
