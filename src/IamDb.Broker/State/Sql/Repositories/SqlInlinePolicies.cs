using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlInlinePolicies(SqlSession session) : IInlinePolicyWriter
{
    private const string Select = "SELECT principal_id, name, document FROM iam_inline_policies";

    public Task<InlinePolicy?> GetAsync(string principalId, string policyName, CancellationToken cancellationToken) =>
        session.SingleAsync(
            $"{Select} WHERE principal_id = @principal AND name_key = @key",
            r => new InlinePolicy(r.GetString(0), r.GetString(1), r.GetString(2)),
            cancellationToken,
            ("principal", principalId),
            ("key", SqlSession.NameKey(policyName)));

    public Task<Page<InlinePolicy>> ListAsync(string principalId, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "inline-policies",
            new SqlQuery(Select).Where("principal_id = @principal", ("principal", principalId)),
            "name_key",
            page,
            r => new InlinePolicy(r.GetString(0), r.GetString(1), r.GetString(2)),
            policy => SqlSession.NameKey(policy.PolicyName),
            cancellationToken);

    public async Task PutAsync(string accountId, PrincipalKind kind, InlinePolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await session.ExecuteAsync(
            "INSERT INTO iam_inline_policies (principal_id, name_key, name, account_id, principal_kind, document) "
            + "VALUES (@principal, @key, @name, @account, @kind, @document) "
            + "ON CONFLICT (principal_id, name_key) DO UPDATE SET name = excluded.name, document = excluded.document",
            cancellationToken,
            ("principal", policy.PrincipalId),
            ("key", SqlSession.NameKey(policy.PolicyName)),
            ("name", policy.PolicyName),
            ("account", accountId),
            ("kind", kind.ToString()),
            ("document", policy.Document));
    }

    public async Task<bool> DeleteAsync(string principalId, string policyName, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "DELETE FROM iam_inline_policies WHERE principal_id = @principal AND name_key = @key",
            cancellationToken,
            ("principal", principalId),
            ("key", SqlSession.NameKey(policyName))) > 0;
}
