using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Audit_QueryByPrincipalName_MatchesTheUserAnyPathTheRoleSessionsAndRootOnly()
    {
        var account = NewAccount();
        string[] principals =
        [
            $"arn:aws:iam::{account}:user/adam",
            $"arn:aws:iam::{account}:user/ci/Adam",
            $"arn:aws:iam::{account}:user/adamant",
            $"arn:aws:iam::{account}:user/a_b",
            $"arn:aws:iam::{account}:user/axb",
            $"arn:aws:sts::{account}:assumed-role/deployer/adam",
            $"arn:aws:sts::{account}:assumed-role/deployer/session-2",
            $"arn:aws:iam::{account}:root",
        ];
        await Store.WriteAsync(
            async (w, ct) =>
            {
                for (var i = 0; i < principals.Length; i++)
                {
                    await w.Audit.AppendAsync(StoreTestData.Audit(account, "GetCallerIdentity", Now.AddSeconds(i), principals[i]), ct);
                }
            },
            Ct);

        async Task<string[]> ByName(string name) =>
            [.. (await Store.ReadAsync((r, ct) => r.Audit.QueryAsync(new AuditQuery { AccountId = account, PrincipalName = name }, PageRequest.First, ct), Ct))
                .Items.Select(r => r.UserIdentity.Arn!).Order(StringComparer.Ordinal)];

        Assert.Equal([principals[0], principals[1]], await ByName("ADAM"));
        Assert.Equal([principals[5], principals[6]], await ByName("deployer"));
        Assert.Equal([principals[3]], await ByName("a_b")); // '_' is a name character, not a wildcard
        Assert.Equal([principals[7]], await ByName("root"));
        Assert.Empty(await ByName("ada%"));
    }

    [Fact]
    public async Task Audit_QueryByEventSourceAndOutcome_SeparatesDeniedFromOtherErrors()
    {
        var account = NewAccount();
        var alice = $"arn:aws:iam::{account}:user/alice";
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Audit.AppendAsync(StoreTestData.Audit(account, "AssumeRole", Now, alice) with { EventSource = "sts.amazonaws.com" }, ct);
                await w.Audit.AppendAsync(StoreTestData.Audit(account, "AssumeRole", Now.AddSeconds(1), alice, "AccessDenied") with { EventSource = "sts.amazonaws.com" }, ct);
                await w.Audit.AppendAsync(StoreTestData.Audit(account, "CreateUser", Now.AddSeconds(2), alice, "EntityAlreadyExists"), ct);
                await w.Audit.AppendAsync(StoreTestData.Audit(account, "CreateUser", Now.AddSeconds(3), alice, "AccessDeniedException"), ct);
            },
            Ct);

        async Task<string[]> Query(AuditQuery query) =>
            [.. (await Store.ReadAsync((r, ct) => r.Audit.QueryAsync(query with { AccountId = account }, PageRequest.First, ct), Ct))
                .Items.Select(r => $"{r.EventSource} {r.EventName} {r.ErrorCode ?? "ok"}")];

        Assert.Equal(["sts.amazonaws.com AssumeRole AccessDenied", "sts.amazonaws.com AssumeRole ok"], await Query(new AuditQuery { EventSource = "sts.amazonaws.com" }));
        Assert.Empty(await Query(new AuditQuery { EventSource = "redshift.amazonaws.com" }));
        Assert.Equal(["sts.amazonaws.com AssumeRole AccessDenied"], await Query(new AuditQuery { Outcome = AuditOutcome.Denied }));
        Assert.Equal(
            ["iam.amazonaws.com CreateUser AccessDeniedException", "iam.amazonaws.com CreateUser EntityAlreadyExists"],
            await Query(new AuditQuery { Outcome = AuditOutcome.OtherError }));
        Assert.Equal(3, (await Query(new AuditQuery { Outcome = AuditOutcome.Error })).Length);
    }

    [Fact]
    public async Task Audit_AppendBatch_WritesEveryRecordInOneUnitOfWork()
    {
        var account = NewAccount();
        var records = Enumerable.Range(0, 300)
            .Select(i => SerializedAuditRecord.Create(StoreTestData.Audit(account, "GetCallerIdentity", Now.AddMilliseconds(i), $"arn:aws:iam::{account}:user/u{i}")))
            .ToList();

        await Store.WriteAsync((w, ct) => w.Audit.AppendAsync(records, ct), Ct);
        var read = await Store.ReadAsync((r, ct) => r.Audit.QueryAsync(new AuditQuery { AccountId = account }, new PageRequest(MaxItems: 1000), ct), Ct);

        Assert.Equal(records.Select(r => r.Record.EventId).Reverse(), read.Items.Select(r => r.EventId));
        Assert.Equal(records[^1].Record, read.Items[0] with { RequestParameters = null, ResponseElements = null, DecisionTrace = null });
    }
}
