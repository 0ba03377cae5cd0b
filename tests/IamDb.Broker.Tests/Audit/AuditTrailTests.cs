using System.Net;
using IamDb.Broker.State.Audit;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Audit;

public sealed class AuditTrailTests
{
    [Fact]
    public async Task EveryRequest_SuccessOrFailure_LeavesOneRecord()
    {
        await using var broker = await TestBroker.StartAsync();

        var ok = await broker.CallAsync("sts", "GetCallerIdentity");
        var bad = await broker.CallAsync("sts", "GetCallerIdentity", credentials: new(broker.Root.AccessKeyId, new string('z', 40)));
        var records = await broker.AuditAsync();

        var success = Assert.Single(records, r => r.RequestId == ok.RequestId);
        var failure = Assert.Single(records, r => r.RequestId == bad.RequestId);
        Assert.True(success.IsSuccess);
        Assert.Equal("sts.amazonaws.com", success.EventSource);
        Assert.Equal("GetCallerIdentity", success.EventName);
        Assert.Equal("Root", success.UserIdentity.Type);
        Assert.Equal(broker.Root.AccessKeyId, success.UserIdentity.AccessKeyId);
        Assert.Equal("SignatureDoesNotMatch", failure.ErrorCode);
        Assert.Equal("Unknown", failure.UserIdentity.Type);
    }

    [Fact]
    public async Task Records_AndLogs_NeverContainSecretsOrSessionTokens()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));
        var assumed = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);
        var session = Actions.Sts.StsTests.Credentials(assumed);
        await broker.CallAsync("sts", "GetCallerIdentity", credentials: session);
        await broker.CallAsync("sts", "GetSessionToken", [new("Password", "hunter2-secret"), new("SessionToken", "tok-secret")], key);

        var json = string.Join("\n", (await broker.AuditAsync()).Select(AuditJson.Write));

        Assert.Equal(HttpStatusCode.OK, assumed.Status);
        foreach (var secret in new[] { key.SecretAccessKey, broker.Root.SecretAccessKey, session.SecretAccessKey, session.SessionToken!, "hunter2-secret", "tok-secret" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, broker.Logs.All, StringComparison.Ordinal);
        }

        Assert.Contains("\"roleSessionName\":\"s1\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_IsDurableBeforeTheResponse()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("sts", "GetCallerIdentity");
        var found = await broker.Store.ReadAsync((r, ct) => r.Audit.QueryAsync(new AuditQuery { EventName = "GetCallerIdentity" }, Broker.State.PageRequest.First, ct), TestContext.Current.CancellationToken);

        Assert.Contains(found.Items, r => r.RequestId == reply.RequestId);
    }
}
