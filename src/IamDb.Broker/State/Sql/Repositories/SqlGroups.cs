using System.Data.Common;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlGroups(SqlSession session) : IGroupWriter
{
    private const string Select = "SELECT group_id, account_id, name, path, arn, created_at FROM iam_groups";

    public Task<IamGroup?> GetAsync(string accountId, string groupName, CancellationToken cancellationToken) =>
        session.SingleAsync(
            $"{Select} WHERE account_id = @account AND name_key = @key",
            Read,
            cancellationToken,
            ("account", accountId),
            ("key", SqlSession.NameKey(groupName)));

    public Task<Page<IamGroup>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "groups",
            new SqlQuery(Select).Where("account_id = @account", ("account", accountId)).WherePathPrefix("path", pathPrefix),
            "name_key",
            page,
            Read,
            group => SqlSession.NameKey(group.GroupName),
            cancellationToken);

    public Task<Page<IamUser>> ListMembersAsync(string groupId, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "group-members",
            new SqlQuery(
                "SELECT u.user_id, u.account_id, u.name, u.path, u.arn, u.created_at, u.boundary_arn, u.tags "
                + "FROM iam_group_members m JOIN iam_users u ON u.user_id = m.user_id")
                .Where("m.group_id = @group", ("group", groupId)),
            "u.name_key",
            page,
            SqlUsers.Read,
            user => SqlSession.NameKey(user.UserName),
            cancellationToken);

    public Task<Page<IamGroup>> ListGroupsForUserAsync(string userId, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "groups-for-user",
            new SqlQuery(
                "SELECT g.group_id, g.account_id, g.name, g.path, g.arn, g.created_at "
                + "FROM iam_group_members m JOIN iam_groups g ON g.group_id = m.group_id")
                .Where("m.user_id = @user", ("user", userId)),
            "g.name_key",
            page,
            Read,
            group => SqlSession.NameKey(group.GroupName),
            cancellationToken);

    public async Task<IamGroup> CreateAsync(IamGroup group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        group = group with { CreatedAt = StoreTime.Normalize(group.CreatedAt) };
        await session.ExecuteUniqueAsync(
            "INSERT INTO iam_groups (group_id, account_id, name, name_key, path, arn, created_at) "
            + "VALUES (@id, @account, @name, @key, @path, @arn, @created)",
            () => AlreadyExists(group.GroupName),
            cancellationToken,
            [.. Parameters(group), ("account", group.AccountId), ("created", group.CreatedAt.Millis())]);
        return group;
    }

    public async Task<bool> UpdateAsync(IamGroup group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        return await session.ExecuteUniqueAsync(
            "UPDATE iam_groups SET name = @name, name_key = @key, path = @path, arn = @arn WHERE group_id = @id",
            () => AlreadyExists(group.GroupName),
            cancellationToken,
            Parameters(group)) > 0;
    }

    public async Task<bool> DeleteAsync(string accountId, string groupName, CancellationToken cancellationToken)
    {
        var group = await GetAsync(accountId, groupName, cancellationToken);
        if (group is null)
        {
            return false;
        }

        var counts = (await session.ListAsync(
            "SELECT (SELECT COUNT(*) FROM iam_group_members WHERE group_id = @id), "
            + "(SELECT COUNT(*) FROM iam_policy_attachments WHERE principal_id = @id), "
            + "(SELECT COUNT(*) FROM iam_inline_policies WHERE principal_id = @id)",
            r => (Members: r.GetInt64(0), Attached: r.GetInt64(1), Inline: r.GetInt64(2)),
            cancellationToken,
            ("id", group.GroupId)))[0];
        var conflict = counts switch
        {
            ( > 0, _, _) => "Cannot delete entity, must remove users from group first.",
            (_, > 0, _) => "Cannot delete entity, must detach all policies first.",
            (_, _, > 0) => "Cannot delete entity, must delete policies first.",
            _ => null,
        };
        if (conflict is not null)
        {
            throw new DeleteConflictException(conflict);
        }

        await session.ExecuteAsync("DELETE FROM iam_groups WHERE group_id = @id", cancellationToken, ("id", group.GroupId));
        return true;
    }

    public async Task<bool> AddMemberAsync(string groupId, string userId, CancellationToken cancellationToken)
    {
        try
        {
            return await session.ExecuteAsync(
                "INSERT INTO iam_group_members (group_id, user_id) VALUES (@group, @user) ON CONFLICT (group_id, user_id) DO NOTHING",
                cancellationToken,
                ("group", groupId),
                ("user", userId)) > 0;
        }
        catch (DbException e) when (session.Dialect.IsForeignKeyViolation(e))
        {
            throw new NoSuchEntityException("The user or group cannot be found.");
        }
    }

    public async Task<bool> RemoveMemberAsync(string groupId, string userId, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "DELETE FROM iam_group_members WHERE group_id = @group AND user_id = @user",
            cancellationToken,
            ("group", groupId),
            ("user", userId)) > 0;

    private static IamGroup Read(DbDataReader r) =>
        new(r.GetString(1), r.GetString(0), r.GetString(2), r.GetString(3), r.GetString(4), r.GetTime(5));

    private static EntityAlreadyExistsException AlreadyExists(string name) =>
        new("Group", name, $"Group with name {name} already exists.");

    private static (string, object?)[] Parameters(IamGroup group) =>
    [
        ("id", group.GroupId),
        ("name", group.GroupName),
        ("key", SqlSession.NameKey(group.GroupName)),
        ("path", group.Path),
        ("arn", group.Arn),
    ];
}
