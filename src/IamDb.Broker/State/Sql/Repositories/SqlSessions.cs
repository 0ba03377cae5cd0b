using System.Data.Common;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlSessions(SqlSession session) : ISessionWriter
{
    private const string Select =
        "SELECT access_key_id, account_id, secret, token_hash, kind, principal_arn, created_at, expires_at, context FROM sts_sessions";

    public Task<StsSession?> GetAsync(string accessKeyId, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE access_key_id = @id", Read, cancellationToken, ("id", accessKeyId));

    public Task<StsSession?> GetByTokenHashAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE token_hash = @hash", Read, cancellationToken, ("hash", tokenHash));

    public async Task<StsSession> CreateAsync(StsSession sts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sts);
        sts = sts with { CreatedAt = StoreTime.Normalize(sts.CreatedAt), ExpiresAt = StoreTime.Normalize(sts.ExpiresAt) };
        var context = new SessionContext(
            sts.RoleArn,
            sts.RoleId,
            sts.RoleSessionName,
            sts.UserId,
            sts.SessionPolicy,
            sts.SessionPolicyArns,
            sts.SessionTags,
            sts.TransitiveTagKeys,
            sts.SourceIdentity);
        await session.ExecuteUniqueAsync(
            "INSERT INTO sts_sessions (access_key_id, token_hash, account_id, secret, kind, principal_arn, created_at, expires_at, context) "
            + "VALUES (@id, @hash, @account, @secret, @kind, @principal, @created, @expires, @context)",
            () => new EntityAlreadyExistsException("Session", sts.AccessKeyId, $"Session {sts.AccessKeyId} already exists."),
            cancellationToken,
            ("id", sts.AccessKeyId),
            ("hash", sts.TokenHash),
            ("account", sts.AccountId),
            ("secret", session.Protector.Protect(sts.SecretAccessKey, Context(sts.AccessKeyId))),
            ("kind", sts.Kind.ToString()),
            ("principal", sts.PrincipalArn),
            ("created", sts.CreatedAt.Millis()),
            ("expires", sts.ExpiresAt.Millis()),
            ("context", StateJson.Write(context)));
        return sts;
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        session.ExecuteAsync("DELETE FROM sts_sessions WHERE expires_at <= @now", cancellationToken, ("now", now.Millis()));

    internal static string Context(string accessKeyId) => "sts-session:" + accessKeyId;

    private StsSession Read(DbDataReader r)
    {
        var id = r.GetString(0);
        var context = StateJson.Read<SessionContext>(r.GetString(8));
        return new StsSession(
            id,
            r.GetString(1),
            session.Protector.UnprotectString(r.GetBytes(2), Context(id)),
            r.GetBytes(3),
            Enum.Parse<SessionKind>(r.GetString(4)),
            r.GetString(5),
            r.GetTime(6),
            r.GetTime(7))
        {
            RoleArn = context.RoleArn,
            RoleId = context.RoleId,
            RoleSessionName = context.RoleSessionName,
            UserId = context.UserId,
            SessionPolicy = context.SessionPolicy,
            SessionPolicyArns = context.SessionPolicyArns,
            SessionTags = context.SessionTags,
            TransitiveTagKeys = context.TransitiveTagKeys,
            SourceIdentity = context.SourceIdentity,
        };
    }

    // The document-like part of a session, kept as one JSON column.
    private sealed record SessionContext(
        string? RoleArn,
        string? RoleId,
        string? RoleSessionName,
        string? UserId,
        string? SessionPolicy,
        IReadOnlyList<string> SessionPolicyArns,
        IReadOnlyList<Tag> SessionTags,
        IReadOnlyList<string> TransitiveTagKeys,
        string? SourceIdentity);
}
