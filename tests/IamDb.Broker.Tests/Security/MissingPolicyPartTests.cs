using System.Net;
using IamDb.Aws.Arns;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Broker.Tests.Actions.Sts;
using IamDb.Broker.Tests.Support;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Attacks on the parts of a principal's policies that can go missing: a permissions boundary, an attached policy, a
/// guardrail, a trust policy or a session policy that was deleted or no longer parses. Each part that cannot be loaded
/// must deny, never be evaluated as if it were absent (which would widen access to whatever the rest allows).
/// </summary>
public sealed class MissingPolicyPartTests
{
    private const string OnlyGetUser = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}""";
    private const string DenyListUsers = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}""";
    private const string AllowAssume = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""";
    private const string Unparsable = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"";

    [Fact]
    public async Task DeletePolicy_OfAUsersPermissionsBoundary_IsDeleteConflictAndTheBoundaryStillBinds()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        var boundary = await CreatePolicyAsync(broker, "Boundary", OnlyGetUser);
        await ExpectOkAsync(broker.CallAsync("iam", "PutUserPermissionsBoundary", [new("UserName", user.UserName), new("PermissionsBoundary", boundary)]));

        var delete = await broker.CallAsync("iam", "DeletePolicy", [new("PolicyArn", boundary)]);
        var list = await broker.CallAsync("iam", "ListUsers", credentials: key);

        Assert.Equal(HttpStatusCode.Conflict, delete.Status);
        Assert.Equal("DeleteConflict", delete.ErrorCode);
        Assert.Equal("Cannot delete a policy attached to entities.", delete.ErrorMessage);
        Assert.Equal("AccessDenied", list.ErrorCode);
        Assert.Contains("because no permissions boundary allows the iam:ListUsers action", list.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletePolicy_OfARolesPermissionsBoundary_IsDeleteConflict()
    {
        await using var broker = await TestBroker.StartAsync();
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));
        var boundary = await CreatePolicyAsync(broker, "Boundary", OnlyGetUser);
        await ExpectOkAsync(broker.CallAsync("iam", "PutRolePermissionsBoundary", [new("RoleName", role.RoleName), new("PermissionsBoundary", boundary)]));

        var delete = await broker.CallAsync("iam", "DeletePolicy", [new("PolicyArn", boundary)]);
        await ExpectOkAsync(broker.CallAsync("iam", "DeleteRolePermissionsBoundary", [new("RoleName", role.RoleName)]));
        var afterRemoval = await broker.CallAsync("iam", "DeletePolicy", [new("PolicyArn", boundary)]);

        Assert.Equal("DeleteConflict", delete.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, afterRemoval.Status);
    }

    [Fact]
    public async Task DeletePolicy_RacingPutUserPermissionsBoundary_NeverLeavesABoundaryThatDoesNotExist()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, _) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        for (var round = 0; round < 10; round++)
        {
            var boundary = await CreatePolicyAsync(broker, $"Boundary{round}", OnlyGetUser);

            var put = broker.CallAsync("iam", "PutUserPermissionsBoundary", [new("UserName", user.UserName), new("PermissionsBoundary", boundary)]);
            var delete = broker.CallAsync("iam", "DeletePolicy", [new("PolicyArn", boundary)]);
            var replies = await Task.WhenAll(put, delete);

            // Exactly one wins: the boundary was set first (the delete is a DeleteConflict), or the policy was deleted
            // first (the put finds no policy). Never both, which would leave the user bounded by a policy that is gone.
            Assert.False(replies.All(r => r.Status == HttpStatusCode.OK), $"round {round}: both succeeded: {replies[0]} / {replies[1]}");
            var (current, exists) = await broker.Store.ReadAsync(
                async (r, ct) => ((await r.Users.GetByIdAsync(user.UserId, ct))!.PermissionsBoundaryArn, await r.Policies.GetAsync(boundary, ct) is not null),
                TestContext.Current.CancellationToken);
            Assert.True(current != boundary || exists, $"round {round}: the user's boundary {boundary} does not exist");
            await ExpectOkAsync(broker.CallAsync("iam", "DeleteUserPermissionsBoundary", [new("UserName", user.UserName)]));
        }
    }

    [Fact]
    public async Task User_WhoseBoundaryVanishedFromTheStore_IsDeniedWithTheReasonAudited()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        var vanished = Arn.IamPolicy(broker.AccountId, "/", "Gone").ToString();
        await broker.Store.WriteAsync((w, ct) => w.Users.UpdateAsync(user with { PermissionsBoundaryArn = vanished }, ct), TestContext.Current.CancellationToken);

        var list = await broker.CallAsync("iam", "ListUsers", credentials: key);

        Assert.Equal(HttpStatusCode.Forbidden, list.Status);
        Assert.Equal("AccessDenied", list.ErrorCode);
        Assert.Contains($"the permissions boundary {vanished} could not be loaded", list.ErrorMessage, StringComparison.Ordinal);
        var trace = await DecisionsAsync(broker, "ListUsers");
        Assert.Contains(trace, t => t.StartsWith("ExplicitDeny iam:ListUsers", StringComparison.Ordinal)
                                    && t.Contains($"permissions boundary {vanished} could not be loaded: the policy does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_WhoseBoundaryNoLongerParses_IsDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        var boundary = await CreatePolicyAsync(broker, "Boundary", StoreSeed.AllowAll);
        await ExpectOkAsync(broker.CallAsync("iam", "PutUserPermissionsBoundary", [new("UserName", user.UserName), new("PermissionsBoundary", boundary)]));
        var before = await broker.CallAsync("iam", "ListUsers", credentials: key);

        await CorruptDefaultVersionAsync(broker, boundary);
        var after = await broker.CallAsync("iam", "ListUsers", credentials: key);

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal("AccessDenied", after.ErrorCode);
        Assert.Contains($"the permissions boundary {boundary} could not be loaded", after.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_WhoseAttachedDenyPolicyNoLongerParses_IsStillDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        var deny = await StoreSeed.AttachManagedPolicyAsync(broker, user, "NoListing", DenyListUsers);
        var before = await broker.CallAsync("iam", "ListUsers", credentials: key);

        await CorruptDefaultVersionAsync(broker, deny);
        var after = await broker.CallAsync("iam", "ListUsers", credentials: key);

        Assert.Equal("AccessDenied", before.ErrorCode);
        Assert.Equal("AccessDenied", after.ErrorCode);
        Assert.Contains($"the identity-based policy {deny} could not be loaded", after.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_WhoseInlineDenyPolicyNoLongerParses_IsStillDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll, DenyListUsers);
        await broker.Store.WriteAsync((w, ct) =>
            w.InlinePolicies.PutAsync(broker.AccountId, PrincipalKind.User, new InlinePolicy(user.UserId, "inline1", Unparsable), ct), TestContext.Current.CancellationToken);

        var after = await broker.CallAsync("iam", "ListUsers", credentials: key);

        Assert.Equal("AccessDenied", after.ErrorCode);
        Assert.Contains("the identity-based policy inline1 could not be loaded", after.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guardrail_ThatNoLongerParses_DeniesInsteadOfVanishing()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        await StoreSeed.PutGuardrailAsync(broker, "everything", StoreSeed.AllowAll);
        await StoreSeed.PutGuardrailAsync(broker, "no-listing", DenyListUsers);
        var before = await broker.CallAsync("iam", "ListUsers", credentials: key);

        await StoreSeed.PutGuardrailAsync(broker, "no-listing", Unparsable);
        var after = await broker.CallAsync("iam", "ListUsers", credentials: key);
        var root = await broker.CallAsync("iam", "ListUsers");

        Assert.Equal("AccessDenied", before.ErrorCode);
        Assert.Equal("AccessDenied", after.ErrorCode);
        Assert.Contains("the service control policy no-listing could not be loaded", after.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, root.Status); // guardrails do not bind this standalone account's root
    }

    [Fact]
    public async Task AssumeRole_WhenTheTrustPolicyNoLongerParses_IsDeniedEvenIfIdentityPoliciesAllow()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", AllowAssume);
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor("arn:aws:iam::999999999999:root"));
        await broker.Store.WriteAsync((w, ct) => w.Roles.UpdateAsync(role with { AssumeRolePolicyDocument = Unparsable }, ct), TestContext.Current.CancellationToken);

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);

        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.EndsWith($"because the trust policy {role.Arn} could not be loaded", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0L, await SessionCountAsync(broker));
    }

    [Fact]
    public async Task AssumeRole_WithAPolicyArnThatNamesNoPolicy_IsRefusedAndCreatesNoSession()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Admin", StoreSeed.TrustPolicyFor(user.Arn), 3600, StoreSeed.AllowAll);
        var missing = Arn.IamPolicy(broker.AccountId, "/", "NoSuchPolicy").ToString();

        var reply = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("PolicyArns.member.1.arn", missing)], key);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("MalformedPolicyDocument", reply.ErrorCode);
        Assert.Equal($"Policy {missing} does not exist or is not attachable.", reply.ErrorMessage);
        Assert.Equal(0L, await SessionCountAsync(broker));
    }

    [Fact]
    public async Task AssumeRole_WithAPolicyArnOfAnotherAccountOrNotAPolicy_IsRefused()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Admin", StoreSeed.TrustPolicyFor(user.Arn), 3600, StoreSeed.AllowAll);
        var mine = await CreatePolicyAsync(broker, "Mine", OnlyGetUser);

        var otherAccount = await broker.CallAsync(
            "sts", "AssumeRole",
            [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("PolicyArns.member.1.arn", mine.Replace(broker.AccountId, "999999999999", StringComparison.Ordinal))],
            key);
        var notAnArn = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("PolicyArns.member.1.arn", "not-an-arn-but-long-enough")], key);

        Assert.Equal("MalformedPolicyDocument", otherAccount.ErrorCode);
        Assert.Equal("MalformedPolicyDocument", notAnArn.ErrorCode);
        Assert.Equal(0L, await SessionCountAsync(broker));
    }

    [Fact]
    public async Task Session_WhoseSessionPolicyArnWasDeletedLater_IsDeniedNotWidened()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Admin", StoreSeed.TrustPolicyFor(user.Arn), 3600, StoreSeed.AllowAll);
        var narrow = await CreatePolicyAsync(broker, "OnlyGetUser", OnlyGetUser);
        var assumed = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("PolicyArns.member.1.arn", narrow)], key);
        var session = StsTests.Credentials(assumed);
        var before = await broker.CallAsync("iam", "ListUsers", credentials: session);

        await ExpectOkAsync(broker.CallAsync("iam", "DeletePolicy", [new("PolicyArn", narrow)]));
        var after = await broker.CallAsync("iam", "ListUsers", credentials: session);

        Assert.Equal("AccessDenied", before.ErrorCode);
        Assert.Contains("because no session policy allows", before.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, after.Status);
        Assert.Equal("AccessDenied", after.ErrorCode);
        Assert.Contains($"the session policy {narrow} could not be loaded", after.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_ForAUserWhoseBoundaryVanished_ReportsExplicitDenyNamingTheBoundary()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, _) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        var vanished = Arn.IamPolicy(broker.AccountId, "/", "Gone").ToString();
        await broker.Store.WriteAsync((w, ct) => w.Users.UpdateAsync(user with { PermissionsBoundaryArn = vanished }, ct), TestContext.Current.CancellationToken);

        var reply = await broker.CallAsync(
            "iam", "SimulatePrincipalPolicy", [new("PolicySourceArn", user.Arn), new("ActionNames.member.1", "iam:ListUsers")]);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("explicitDeny", reply.Find("EvalDecision"));
        Assert.Equal(vanished, reply.Find("SourcePolicyId"));
        Assert.Equal("false", reply.Find("AllowedByPermissionsBoundary"));
    }

    private static async Task<string> CreatePolicyAsync(TestBroker broker, string name, string document)
    {
        var reply = await broker.CallAsync("iam", "CreatePolicy", [new("PolicyName", name), new("PolicyDocument", document)]);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
        return reply.Find("Arn")!;
    }

    private static async Task ExpectOkAsync(Task<QueryReply> call)
    {
        var reply = await call;
        Assert.True(reply.Status == HttpStatusCode.OK, reply.ToString());
    }

    /// <summary>A stored default version that no longer parses (as after a manual edit or a stricter parser).</summary>
    private static Task CorruptDefaultVersionAsync(TestBroker broker, string policyArn) =>
        broker.Store.WriteAsync((w, ct) => w.Policies.CreateVersionAsync(policyArn, Unparsable, setAsDefault: true, broker.Time.GetUtcNow(), ct));

    private static async Task<List<string>> DecisionsAsync(TestBroker broker, string eventName)
    {
        var record = (await broker.AuditAsync()).First(r => r.EventName == eventName);
        return [.. record.DecisionTrace!.Value.EnumerateArray().Select(e => e.GetString()!)];
    }

    private static async Task<long> SessionCountAsync(TestBroker broker)
    {
        var file = Path.Combine(broker.Options.DataDirectory, DataDirectory.StateFileName);
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sts_sessions";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
