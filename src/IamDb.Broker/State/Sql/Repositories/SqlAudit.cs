using IamDb.Broker.State.Audit;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlAudit(SqlSession session) : IAuditWriter
{
    public async Task AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await session.ExecuteUniqueAsync(
            "INSERT INTO audit_events (event_id, event_time, account_id, event_name, principal_arn, is_error, record) "
            + "VALUES (@id, @time, @account, @name, @principal, @error, @record)",
            () => new EntityAlreadyExistsException("AuditEvent", record.EventId, $"Audit event {record.EventId} already exists."),
            cancellationToken,
            ("id", record.EventId),
            ("time", record.EventTime.Millis()),
            ("account", record.RecipientAccountId ?? record.UserIdentity.AccountId),
            ("name", record.EventName),
            ("principal", record.UserIdentity.Arn),
            ("error", record.IsSuccess ? 0L : 1L),
            ("record", AuditJson.Write(record)));
    }

    public Task<Page<AuditRecord>> QueryAsync(AuditQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new SqlQuery("SELECT seq, event_time, record FROM audit_events");
        if (query.From is { } from)
        {
            sql.Where("event_time >= @from", ("from", from.Millis()));
        }

        if (query.To is { } to)
        {
            sql.Where("event_time < @to", ("to", to.Millis()));
        }

        if (query.PrincipalArn is not null)
        {
            sql.Where("principal_arn = @principal", ("principal", query.PrincipalArn));
        }

        if (query.EventName is not null)
        {
            sql.Where("event_name = @name", ("name", query.EventName));
        }

        if (query.AccountId is not null)
        {
            sql.Where("account_id = @account", ("account", query.AccountId));
        }

        if (query.Outcome != AuditOutcome.Any)
        {
            sql.Where("is_error = @error", ("error", query.Outcome == AuditOutcome.Error ? 1L : 0L));
        }

        return session.PageNewestFirstAsync(
            "audit",
            sql,
            "event_time",
            "seq",
            tieIsNumber: true,
            page,
            r => (AuditJson.Read(r.GetString(2)), r.GetInt64(1), r.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);
    }
}
