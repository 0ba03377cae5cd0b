using System.Data.Common;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlRoles(SqlSession session) : IRoleWriter
{
    private const string Select =
        "SELECT role_id, account_id, name, path, arn, created_at, trust_policy, description, max_session_seconds, boundary_arn, tags FROM iam_roles";

    public Task<IamRole?> GetAsync(string accountId, string roleName, CancellationToken cancellationToken) =>
        session.SingleAsync(
            $"{Select} WHERE account_id = @account AND name_key = @key",
            Read,
            cancellationToken,
            ("account", accountId),
            ("key", SqlSession.NameKey(roleName)));

    public Task<IamRole?> GetByIdAsync(string roleId, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE role_id = @id", Read, cancellationToken, ("id", roleId));

    public Task<Page<IamRole>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "roles",
            new SqlQuery(Select).Where("account_id = @account", ("account", accountId)).WherePathPrefix("path", pathPrefix),
            "name_key",
            page,
            Read,
            role => SqlSession.NameKey(role.RoleName),
            cancellationToken);

    public async Task<IamRole> CreateAsync(IamRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        role = role with { CreatedAt = StoreTime.Normalize(role.CreatedAt) };
        await session.ExecuteUniqueAsync(
            "INSERT INTO iam_roles (role_id, account_id, name, name_key, path, arn, created_at, trust_policy, description, "
            + "max_session_seconds, boundary_arn, tags) "
            + "VALUES (@id, @account, @name, @key, @path, @arn, @created, @trust, @description, @max_session, @boundary, @tags)",
            () => new EntityAlreadyExistsException("Role", role.RoleName, $"Role with name {role.RoleName} already exists."),
            cancellationToken,
            [
                .. MutableParameters(role),
                ("account", role.AccountId),
                ("name", role.RoleName),
                ("key", SqlSession.NameKey(role.RoleName)),
                ("path", role.Path),
                ("arn", role.Arn),
                ("created", role.CreatedAt.Millis()),
            ]);
        return role;
    }

    public async Task<bool> UpdateAsync(IamRole role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        return await session.ExecuteAsync(
            "UPDATE iam_roles SET trust_policy = @trust, description = @description, max_session_seconds = @max_session, "
            + "boundary_arn = @boundary, tags = @tags WHERE role_id = @id",
            cancellationToken,
            MutableParameters(role)) > 0;
    }

    public async Task<bool> DeleteAsync(string accountId, string roleName, CancellationToken cancellationToken)
    {
        var role = await GetAsync(accountId, roleName, cancellationToken);
        if (role is null)
        {
            return false;
        }

        var counts = (await session.ListAsync(
            "SELECT (SELECT COUNT(*) FROM iam_policy_attachments WHERE principal_id = @id), "
            + "(SELECT COUNT(*) FROM iam_inline_policies WHERE principal_id = @id)",
            r => (Attached: r.GetInt64(0), Inline: r.GetInt64(1)),
            cancellationToken,
            ("id", role.RoleId)))[0];
        if (counts.Attached > 0)
        {
            throw new DeleteConflictException("Cannot delete entity, must detach all policies first.");
        }

        if (counts.Inline > 0)
        {
            throw new DeleteConflictException("Cannot delete entity, must delete policies first.");
        }

        await session.ExecuteAsync("DELETE FROM iam_roles WHERE role_id = @id", cancellationToken, ("id", role.RoleId));
        return true;
    }

    private static IamRole Read(DbDataReader r) =>
        new(r.GetString(1), r.GetString(0), r.GetString(2), r.GetString(3), r.GetString(4), r.GetTime(5), r.GetString(6))
        {
            Description = r.GetStringOrNull(7),
            MaxSessionDuration = (int)r.GetInt64(8),
            PermissionsBoundaryArn = r.GetStringOrNull(9),
            Tags = StateJson.ReadTags(r.GetString(10)),
        };

    private static (string, object?)[] MutableParameters(IamRole role) =>
    [
        ("id", role.RoleId),
        ("trust", role.AssumeRolePolicyDocument),
        ("description", role.Description),
        ("max_session", (long)role.MaxSessionDuration),
        ("boundary", role.PermissionsBoundaryArn),
        ("tags", StateJson.WriteTags(role.Tags)),
    ];
}
