using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlGuardrails(SqlSession session) : IGuardrailWriter
{
    public async Task<IReadOnlyList<GuardrailPolicy>> ListAsync(string accountId, CancellationToken cancellationToken) =>
        await session.ListAsync(
            "SELECT account_id, name, document, created_at, updated_at FROM iam_guardrails WHERE account_id = @account ORDER BY name_key",
            r => new GuardrailPolicy(r.GetString(0), r.GetString(1), r.GetString(2), r.GetTime(3), r.GetTime(4)),
            cancellationToken,
            ("account", accountId));

    public async Task PutAsync(GuardrailPolicy guardrail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(guardrail);
        await session.ExecuteAsync(
            "INSERT INTO iam_guardrails (account_id, name_key, name, document, created_at, updated_at) "
            + "VALUES (@account, @key, @name, @document, @created, @updated) "
            + "ON CONFLICT (account_id, name_key) DO UPDATE SET name = excluded.name, document = excluded.document, updated_at = excluded.updated_at",
            cancellationToken,
            ("account", guardrail.AccountId),
            ("key", SqlSession.NameKey(guardrail.Name)),
            ("name", guardrail.Name),
            ("document", guardrail.Document),
            ("created", guardrail.CreatedAt.Millis()),
            ("updated", guardrail.UpdatedAt.Millis()));
    }

    public async Task<bool> DeleteAsync(string accountId, string name, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "DELETE FROM iam_guardrails WHERE account_id = @account AND name_key = @key",
            cancellationToken,
            ("account", accountId),
            ("key", SqlSession.NameKey(name))) > 0;
}
