using System.Net;
using IamDb.Broker.Actions;
using IamDb.Broker.Requests;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Authorization;

/// <summary>Authorization through the pipeline, driven with sts:AssumeRole (an action whose handler authorizes).</summary>
public sealed class PolicyActionAuthorizerTests
{
    private const string AllowAssume = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""";
    private const string DenyAssume = """{"Version":"2012-10-17","Statement":[{"Sid":"NoRoles","Effect":"Deny","Action":"sts:*","Resource":"*"}]}""";

    [Fact]
    public async Task Authorize_ExplicitDenyInManagedPolicy_WinsAndNamesThePolicy()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", AllowAssume);
        var denyArn = await StoreSeed.AttachManagedPolicyAsync(broker, user, "NoRoles", DenyAssume);
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal(
            $"User: {user.Arn} is not authorized to perform: sts:AssumeRole on resource: {role.Arn} with an explicit deny in an identity-based policy: {denyArn}",
            reply.ErrorMessage);
    }

    [Fact]
    public async Task Authorize_GuardrailDeny_BindsUsers()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", AllowAssume);
        await StoreSeed.PutGuardrailAsync(broker, "no-sts", DenyAssume.Replace("\"Deny\"", "\"Deny\"", StringComparison.Ordinal));
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);

        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.Contains("with an explicit deny in a service control policy", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_Allowed_RecordsDeterminingStatementInAudit()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", AllowAssume);
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);
        var record = (await broker.AuditAsync()).First(r => r.EventName == "AssumeRole");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var trace = record.DecisionTrace!.Value.EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(trace, t => t!.StartsWith("Allow sts:AssumeRole", StringComparison.Ordinal) && t.Contains("inline0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Authorize_RoleSessionTags_FeedPrincipalTagConditions()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        const string byTag = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"data"}}}]}""";
        var trust = StoreSeed.TrustPolicyFor(user.Arn).Replace("\"sts:AssumeRole\"", "[\"sts:AssumeRole\",\"sts:TagSession\"]", StringComparison.Ordinal);
        var first = await StoreSeed.RoleAsync(broker, "First", trust, 3600, byTag);
        var second = await StoreSeed.RoleAsync(broker, "Second", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var tagged = Actions.Sts.StsTests.Credentials(await broker.CallAsync(
            "sts", "AssumeRole",
            [new("RoleArn", first.Arn), new("RoleSessionName", "tagged"), new("Tags.member.1.Key", "team"), new("Tags.member.1.Value", "data")], key));
        var untagged = Actions.Sts.StsTests.Credentials(await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", first.Arn), new("RoleSessionName", "untagged")], key));

        var allowed = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", second.Arn), new("RoleSessionName", "xx")], tagged);
        var denied = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", second.Arn), new("RoleSessionName", "yy")], untagged);

        Assert.Equal(HttpStatusCode.OK, allowed.Status);
        Assert.Equal("AccessDenied", denied.ErrorCode);
    }

    [Fact]
    public async Task Authorize_Root_IsAlwaysAllowed()
    {
        await using var broker = await TestBroker.StartAsync();
        var authorization = TestContexts.AuthorizationFor(broker, new CallerIdentity
        {
            Kind = CallerKind.Root,
            AccountId = broker.AccountId,
            Arn = $"arn:aws:iam::{broker.AccountId}:root",
            UserId = broker.AccountId,
            AccessKeyId = broker.Root.AccessKeyId,
            PrincipalEntityArn = $"arn:aws:iam::{broker.AccountId}:root",
        });

        var decision = await authorization.DecideAsync("iam:DeleteUser", "*", null, null, TestContext.Current.CancellationToken);

        Assert.True(decision.IsAllowed);
        Assert.Null(decision.Denial);
        Assert.Single(authorization.Decisions);
    }
}
