using System.Data.Common;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlAccessKeys(SqlSession session) : IAccessKeyWriter
{
    /// <summary>IAM's quota of access keys per user (and for the root).</summary>
    public const int MaxKeysPerUser = 2;

    private const string Select =
        "SELECT access_key_id, account_id, user_id, secret, status, created_at, last_used_at, last_used_service, last_used_region FROM iam_access_keys";

    public Task<AccessKey?> GetAsync(string accessKeyId, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE access_key_id = @id", Read, cancellationToken, ("id", accessKeyId));

    public async Task<IReadOnlyList<AccessKey>> ListAsync(string accountId, string? userId, CancellationToken cancellationToken)
    {
        var query = OwnerQuery(Select, accountId, userId);
        return await session.ListAsync(query.Build("ORDER BY created_at, access_key_id"), query.Parameters, Read, cancellationToken);
    }

    public async Task<AccessKey> CreateAsync(AccessKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        key = key with { CreatedAt = StoreTime.Normalize(key.CreatedAt) };
        var countQuery = OwnerQuery("SELECT COUNT(*) FROM iam_access_keys", key.AccountId, key.UserId);
        await using (var count = session.Command(countQuery.Build(""), countQuery.Parameters))
        {
            if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) >= MaxKeysPerUser)
            {
                throw new StateLimitExceededException("AccessKeysPerUser", MaxKeysPerUser);
            }
        }

        try
        {
            await session.ExecuteUniqueAsync(
                "INSERT INTO iam_access_keys (access_key_id, account_id, user_id, secret, status, created_at, last_used_at, last_used_service, "
                + "last_used_region) VALUES (@id, @account, @user, @secret, @status, @created, @used_at, @used_service, @used_region)",
                () => new EntityAlreadyExistsException("AccessKey", key.AccessKeyId, $"Access key {key.AccessKeyId} already exists."),
                cancellationToken,
                ("id", key.AccessKeyId),
                ("account", key.AccountId),
                ("user", key.UserId),
                ("secret", session.Protector.Protect(key.SecretAccessKey, Context(key.AccessKeyId))),
                ("status", key.Status.ToString()),
                ("created", key.CreatedAt.Millis()),
                ("used_at", key.LastUsedAt.Millis()),
                ("used_service", key.LastUsedService),
                ("used_region", key.LastUsedRegion));
        }
        catch (DbException e) when (session.Dialect.IsForeignKeyViolation(e))
        {
            throw new NoSuchEntityException($"The user with id {key.UserId} cannot be found.");
        }

        return key;
    }

    public async Task<bool> SetStatusAsync(string accessKeyId, AccessKeyStatus status, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "UPDATE iam_access_keys SET status = @status WHERE access_key_id = @id",
            cancellationToken,
            ("id", accessKeyId),
            ("status", status.ToString())) > 0;

    public async Task<bool> RecordUseAsync(string accessKeyId, DateTimeOffset at, string service, string region, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "UPDATE iam_access_keys SET last_used_at = @at, last_used_service = @service, last_used_region = @region WHERE access_key_id = @id",
            cancellationToken,
            ("id", accessKeyId),
            ("at", at.Millis()),
            ("service", service),
            ("region", region)) > 0;

    public async Task<bool> DeleteAsync(string accessKeyId, CancellationToken cancellationToken) =>
        await session.ExecuteAsync("DELETE FROM iam_access_keys WHERE access_key_id = @id", cancellationToken, ("id", accessKeyId)) > 0;

    private static SqlQuery OwnerQuery(string select, string accountId, string? userId)
    {
        var query = new SqlQuery(select).Where("account_id = @account", ("account", accountId));
        return userId is null ? query.Where("user_id IS NULL") : query.Where("user_id = @user", ("user", userId));
    }

    internal static string Context(string accessKeyId) => "iam-access-key:" + accessKeyId;

    private AccessKey Read(DbDataReader r)
    {
        var id = r.GetString(0);
        return new AccessKey(
            id,
            r.GetString(1),
            r.GetStringOrNull(2),
            session.Protector.UnprotectString(r.GetBytes(3), Context(id)),
            Enum.Parse<AccessKeyStatus>(r.GetString(4)),
            r.GetTime(5))
        {
            LastUsedAt = r.GetTimeOrNull(6),
            LastUsedService = r.GetStringOrNull(7),
            LastUsedRegion = r.GetStringOrNull(8),
        };
    }
}
