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
    /// <summary>What a statement does, so a failure can be put down to the right name.</summary>
    internal enum Step
    {
        CreateBaseUser,
        CreateLoginRole,
        GrantBaseUser,
        GrantGroup,
        GrantConnectRole,
        SetRole,
        Comment,
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
        string? DbName);

    /// <summary>
    /// The statements for <paramref name="plan"/>. The session acts as the base user (<c>SET role</c>) unless groups were
    /// asked for: PostgreSQL checks privileges of the current role only, so after <c>SET ROLE base</c> the credential's
    /// own group memberships would not apply. With groups the session stays the login role, which inherits the base
    /// user's privileges and the groups'.
    /// </summary>
    public static List<Statement> Build(Plan plan)
    {
        var login = SqlText.Identifier(plan.LoginRole);
        var list = new List<Statement>(6 + plan.Groups.Count + plan.ConnectRoles.Count);
        if (plan.CreateBaseUser)
        {
            list.Add(new(Step.CreateBaseUser, plan.BaseUser, $"CREATE ROLE {SqlText.Identifier(plan.BaseUser)} NOLOGIN"));
        }

        list.Add(new(
            Step.CreateLoginRole,
            plan.LoginRole,
            $"CREATE ROLE {login} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
            + $"PASSWORD {SqlText.Literal(plan.Verifier)} VALID UNTIL {RoleMarkers.TimestampLiteral(plan.ExpiresAt)}"));
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
        return list;
    }
}
