using System.Data.Common;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlCredentials(SqlSession session) : ICredentialWriter
{
    private const string Select =
        "SELECT request_id, account_id, principal_arn, cluster_identifier, db_user, login_role, issued_at, expires_at, db_name, db_groups, "
        + "revoked_at, reaped_at FROM redshift_credentials";

    public Task<IssuedCredential?> GetAsync(string requestId, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE request_id = @id", Read, cancellationToken, ("id", requestId));

    public Task<Page<IssuedCredential>> ListAsync(CredentialQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new SqlQuery(Select).Where("account_id = @account", ("account", query.AccountId));
        if (query.ClusterIdentifier is not null)
        {
            sql.Where("cluster_key = @cluster", ("cluster", SqlSession.NameKey(query.ClusterIdentifier)));
        }

        if (query.PrincipalArn is not null)
        {
            sql.Where("principal_arn = @principal", ("principal", query.PrincipalArn));
        }

        if (query.LoginRoleName is not null)
        {
            sql.Where("login_role = @login_role", ("login_role", query.LoginRoleName));
        }

        if (query.ActiveAt is not null)
        {
            sql.Where("revoked_at IS NULL AND expires_at > @active_at", ("active_at", query.ActiveAt.Value.Millis()));
        }

        return session.PageNewestFirstAsync(
            "credentials",
            sql,
            "issued_at",
            "request_id",
            tieIsNumber: false,
            page,
            r =>
            {
                var credential = Read(r);
                return (credential, credential.IssuedAt.Millis(), credential.RequestId);
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<IssuedCredential>> ListReapableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        await session.ListAsync(
            $"{Select} WHERE reaped_at IS NULL AND (expires_at <= @now OR revoked_at IS NOT NULL) ORDER BY expires_at, request_id LIMIT @limit",
            Read,
            cancellationToken,
            ("now", now.Millis()),
            ("limit", (long)limit));

    public async Task<IssuedCredential> RecordAsync(IssuedCredential credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        credential = credential with
        {
            IssuedAt = StoreTime.Normalize(credential.IssuedAt),
            ExpiresAt = StoreTime.Normalize(credential.ExpiresAt),
            RevokedAt = credential.RevokedAt is { } revoked ? StoreTime.Normalize(revoked) : null,
            ReapedAt = credential.ReapedAt is { } reaped ? StoreTime.Normalize(reaped) : null,
        };
        await session.ExecuteUniqueAsync(
            "INSERT INTO redshift_credentials (request_id, account_id, principal_arn, cluster_key, cluster_identifier, db_user, login_role, "
            + "db_name, db_groups, issued_at, expires_at, revoked_at, reaped_at) VALUES (@id, @account, @principal, @cluster_key, @cluster, "
            + "@db_user, @login_role, @db_name, @db_groups, @issued, @expires, @revoked, @reaped)",
            () => new EntityAlreadyExistsException("Credential", credential.RequestId, $"Credential {credential.RequestId} already exists."),
            cancellationToken,
            ("id", credential.RequestId),
            ("account", credential.AccountId),
            ("principal", credential.PrincipalArn),
            ("cluster_key", SqlSession.NameKey(credential.ClusterIdentifier)),
            ("cluster", credential.ClusterIdentifier),
            ("db_user", credential.DbUser),
            ("login_role", credential.LoginRoleName),
            ("db_name", credential.DbName),
            ("db_groups", StateJson.Write(credential.DbGroups)),
            ("issued", credential.IssuedAt.Millis()),
            ("expires", credential.ExpiresAt.Millis()),
            ("revoked", credential.RevokedAt.Millis()),
            ("reaped", credential.ReapedAt.Millis()));
        return credential;
    }

    public async Task<bool> RevokeAsync(string requestId, DateTimeOffset at, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "UPDATE redshift_credentials SET revoked_at = @at WHERE request_id = @id AND revoked_at IS NULL",
            cancellationToken,
            ("id", requestId),
            ("at", at.Millis())) > 0;

    public async Task<bool> MarkReapedAsync(string requestId, DateTimeOffset at, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "UPDATE redshift_credentials SET reaped_at = @at WHERE request_id = @id AND reaped_at IS NULL",
            cancellationToken,
            ("id", requestId),
            ("at", at.Millis())) > 0;

    private static IssuedCredential Read(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetTime(6), r.GetTime(7))
        {
            DbName = r.GetStringOrNull(8),
            DbGroups = StateJson.Read<List<string>>(r.GetString(9)),
            RevokedAt = r.GetTimeOrNull(10),
            ReapedAt = r.GetTimeOrNull(11),
        };
}
