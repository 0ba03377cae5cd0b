using IamDb.Broker.State.Audit;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlAudit(SqlSession session) : IAuditWriter
{
    private const string InsertSql =
        "INSERT INTO audit_events (event_id, event_time, account_id, event_name, principal_arn, is_error, record) "
        + "VALUES (@id, @time, @account, @name, @principal, @error, @record)";

    private static readonly string[] InsertParameters = ["id", "time", "account", "name", "principal", "error", "record"];

    public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return AppendAsync([SerializedAuditRecord.Create(record)], cancellationToken);
    }

    public async Task AppendAsync(IReadOnlyList<SerializedAuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        // One command for the whole batch: SQLite keeps the statement prepared across executions, so each row is a bind
        // and a step instead of a parse.
        await using var command = session.Command(InsertSql, InsertParameters.Select(name => (name, (object?)null)));
        var p = command.Parameters;
        foreach (var entry in records)
        {
            var record = entry.Record;
            p[0].Value = record.EventId;
            p[1].Value = record.EventTime.Millis();
            p[2].Value = (object?)(record.RecipientAccountId ?? record.UserIdentity.AccountId) ?? DBNull.Value;
            p[3].Value = record.EventName;
            p[4].Value = (object?)record.UserIdentity.Arn ?? DBNull.Value;
            p[5].Value = record.IsSuccess ? 0L : 1L;
            p[6].Value = entry.Json;
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (System.Data.Common.DbException e) when (session.Dialect.IsUniqueViolation(e))
            {
                throw new EntityAlreadyExistsException("AuditEvent", record.EventId, $"Audit event {record.EventId} already exists.");
            }
        }
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

        if (query.PrincipalName is { } name)
        {
            // Names cannot contain '/' or ':', so these suffixes and infixes pick exactly that user (any path), role or
            // role session; lower() on both sides because SQLite's LIKE ignores ASCII case and PostgreSQL's does not.
            var escaped = EscapeLike(name.ToLowerInvariant());
            sql.Where(
                "(lower(principal_arn) LIKE @pn_user ESCAPE '\\' OR lower(principal_arn) LIKE @pn_user_path ESCAPE '\\' "
                + "OR lower(principal_arn) LIKE @pn_role ESCAPE '\\' OR lower(principal_arn) LIKE @pn_role_path ESCAPE '\\' "
                + "OR lower(principal_arn) LIKE @pn_session ESCAPE '\\'" + (name.Equals("root", StringComparison.OrdinalIgnoreCase) ? " OR principal_arn LIKE '%:root'" : string.Empty) + ")",
                ("pn_user", $"%:user/{escaped}"),
                ("pn_user_path", $"%:user/%/{escaped}"),
                ("pn_role", $"%:role/{escaped}"),
                ("pn_role_path", $"%:role/%/{escaped}"),
                ("pn_session", $"%:assumed-role/{escaped}/%"));
        }

        if (query.EventName is not null)
        {
            sql.Where("event_name = @name", ("name", query.EventName));
        }

        // eventSource and errorCode live only in the record; our writer emits compact JSON, so the exact key-value
        // text identifies them without a schema change.
        if (query.EventSource is { } source)
        {
            sql.Where("record LIKE @source ESCAPE '\\'", ("source", $"%\"eventSource\":\"{EscapeLike(source)}\"%"));
        }

        if (query.AccountId is not null)
        {
            sql.Where("account_id = @account", ("account", query.AccountId));
        }

        const string deniedPattern = "%\"errorCode\":\"AccessDenied\"%";
        switch (query.Outcome)
        {
            case AuditOutcome.Success:
                sql.Where("is_error = 0");
                break;
            case AuditOutcome.Error:
                sql.Where("is_error = 1");
                break;
            case AuditOutcome.Denied:
                sql.Where("is_error = 1 AND record LIKE @denied", ("denied", deniedPattern));
                break;
            case AuditOutcome.OtherError:
                sql.Where("is_error = 1 AND record NOT LIKE @denied", ("denied", deniedPattern));
                break;
            default:
                break;
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

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
