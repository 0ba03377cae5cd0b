using System.Data.Common;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlUsers(SqlSession session) : IUserWriter
{
    private const string Select = "SELECT user_id, account_id, name, path, arn, created_at, boundary_arn, tags FROM iam_users";

    public Task<IamUser?> GetAsync(string accountId, string userName, CancellationToken cancellationToken) =>
        session.SingleAsync(
            $"{Select} WHERE account_id = @account AND name_key = @key",
            Read,
            cancellationToken,
            ("account", accountId),
            ("key", SqlSession.NameKey(userName)));

    public Task<IamUser?> GetByIdAsync(string userId, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE user_id = @id", Read, cancellationToken, ("id", userId));

    public Task<Page<IamUser>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "users",
            new SqlQuery(Select).Where("account_id = @account", ("account", accountId)).WherePathPrefix("path", pathPrefix),
            "name_key",
            page,
            Read,
            user => SqlSession.NameKey(user.UserName),
            cancellationToken);

    public async Task<IamUser> CreateAsync(IamUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        user = user with { CreatedAt = StoreTime.Normalize(user.CreatedAt) };
        await session.ExecuteUniqueAsync(
            "INSERT INTO iam_users (user_id, account_id, name, name_key, path, arn, created_at, boundary_arn, tags) "
            + "VALUES (@id, @account, @name, @key, @path, @arn, @created, @boundary, @tags)",
            () => new EntityAlreadyExistsException("User", user.UserName, $"User with name {user.UserName} already exists."),
            cancellationToken,
            [.. Parameters(user), ("account", user.AccountId), ("created", user.CreatedAt.Millis())]);
        return user;
    }

    public async Task<bool> UpdateAsync(IamUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var updated = await session.ExecuteUniqueAsync(
            "UPDATE iam_users SET name = @name, name_key = @key, path = @path, arn = @arn, boundary_arn = @boundary, tags = @tags WHERE user_id = @id",
            () => new EntityAlreadyExistsException("User", user.UserName, $"User with name {user.UserName} already exists."),
            cancellationToken,
            Parameters(user));
        return updated > 0;
    }

    public async Task<bool> DeleteAsync(string accountId, string userName, CancellationToken cancellationToken)
    {
        var user = await GetAsync(accountId, userName, cancellationToken);
        if (user is null)
        {
            return false;
        }

        var dependents = await session.ListAsync(
            "SELECT (SELECT COUNT(*) FROM iam_access_keys WHERE user_id = @id), "
            + "(SELECT COUNT(*) FROM iam_group_members WHERE user_id = @id), "
            + "(SELECT COUNT(*) FROM iam_policy_attachments WHERE principal_id = @id), "
            + "(SELECT COUNT(*) FROM iam_inline_policies WHERE principal_id = @id)",
            r => (Keys: r.GetInt64(0), Groups: r.GetInt64(1), Attached: r.GetInt64(2), Inline: r.GetInt64(3)),
            cancellationToken,
            ("id", user.UserId));
        var (keys, groups, attached, inline) = dependents[0];
        var conflict = (keys, groups, attached, inline) switch
        {
            ( > 0, _, _, _) => "Cannot delete entity, must delete access keys first.",
            (_, > 0, _, _) => "Cannot delete entity, must remove users from group first.",
            (_, _, > 0, _) => "Cannot delete entity, must detach all policies first.",
            (_, _, _, > 0) => "Cannot delete entity, must delete policies first.",
            _ => null,
        };
        if (conflict is not null)
        {
            throw new DeleteConflictException(conflict);
        }

        await session.ExecuteAsync("DELETE FROM iam_users WHERE user_id = @id", cancellationToken, ("id", user.UserId));
        return true;
    }

    internal static IamUser Read(DbDataReader r) =>
        new(r.GetString(1), r.GetString(0), r.GetString(2), r.GetString(3), r.GetString(4), r.GetTime(5))
        {
            PermissionsBoundaryArn = r.GetStringOrNull(6),
            Tags = StateJson.ReadTags(r.GetString(7)),
        };

    private static (string, object?)[] Parameters(IamUser user) =>
    [
        ("id", user.UserId),
        ("name", user.UserName),
        ("key", SqlSession.NameKey(user.UserName)),
        ("path", user.Path),
        ("arn", user.Arn),
        ("boundary", user.PermissionsBoundaryArn),
        ("tags", StateJson.WriteTags(user.Tags)),
    ];
}
