using System.Net;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Broker.Tests.Actions.Sts;

public sealed class StsTests
{
    private const string AllowAssume = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}""";

    [Fact]
    public async Task AssumeRole_TrustedUser_ReturnsSessionUsableForGetCallerIdentity()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "ci-run")], key);
        var session = Credentials(reply);
        var who = await broker.CallAsync("sts", "GetCallerIdentity", credentials: session);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.StartsWith("ASIA", session.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal($"{role.RoleId}:ci-run", reply.Find("AssumedRoleId"));
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/Deployer/ci-run", who.Find("Arn"));
        Assert.Equal($"{role.RoleId}:ci-run", who.Find("UserId"));
    }

    [Fact]
    public async Task AssumeRole_TrustPolicyNamesAccountRootButNoIdentityPolicy_IsAccessDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.StartsWith($"User: {user.Arn} is not authorized to perform: sts:AssumeRole on resource: {role.Arn}", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_TrustPolicyNamesAccountRootAndIdentityAllows_Succeeds()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", AllowAssume);
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")], key);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Forbidden)]
    [InlineData("wrong-id", HttpStatusCode.Forbidden)]
    [InlineData("expected-id", HttpStatusCode.OK)]
    public async Task AssumeRole_ExternalIdCondition_MustMatch(string? externalId, HttpStatusCode expected)
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Vendor", StoreSeed.TrustPolicyFor(user.Arn, "expected-id"));
        List<KeyValuePair<string, string>> parameters = [new("RoleArn", role.Arn), new("RoleSessionName", "s1")];
        if (externalId is not null)
        {
            parameters.Add(new("ExternalId", externalId));
        }

        var reply = await broker.CallAsync("sts", "AssumeRole", parameters, key);

        Assert.Equal(expected, reply.Status);
    }

    [Theory]
    [InlineData("x", "RoleSessionName")]
    [InlineData("has space", "RoleSessionName")]
    public async Task AssumeRole_InvalidSessionName_IsValidationError(string sessionName, string parameter)
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new(parameter, sessionName)], key);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("ValidationError", reply.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_MissingParameters_IsValidationError()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");

        var reply = await broker.CallAsync("sts", "AssumeRole", credentials: key);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("ValidationError", reply.ErrorCode);
        Assert.Contains("roleArn", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_DurationAboveRoleMaximum_IsValidationError()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var reply = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("DurationSeconds", "7200")], key);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", reply.ErrorMessage);
    }

    [Fact]
    public async Task AssumeRole_InvalidSessionPolicyJson_IsMalformedPolicyDocument()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var reply = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("Policy", "{not json")], key);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("MalformedPolicyDocument", reply.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_SessionPolicy_LimitsTheSession()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Admin", StoreSeed.TrustPolicyFor(user.Arn), 3600, StoreSeed.AllowAll);
        var other = await StoreSeed.RoleAsync(broker, "Other", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));
        const string onlyGetSession = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetSessionToken","Resource":"*"}]}""";

        var reply = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("Policy", onlyGetSession)], key);
        var chained = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", other.Arn), new("RoleSessionName", "s2")], Credentials(reply));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.NotNull(reply.Find("PackedPolicySize"));
        Assert.Equal("AccessDenied", chained.ErrorCode);
        Assert.Contains("because no session policy allows the sts:AssumeRole action", chained.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_ByRoot_IsAccessDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));

        var reply = await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1")]);

        Assert.Equal("AccessDenied", reply.ErrorCode);
    }

    [Fact]
    public async Task Session_AfterExpiry_IsExpiredToken403()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(time: time);
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));
        var reply = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("DurationSeconds", "900")], key);
        var session = Credentials(reply);

        var before = await broker.CallAsync("sts", "GetCallerIdentity", credentials: session);
        time.Advance(TimeSpan.FromSeconds(901));
        var after = await broker.CallAsync("sts", "GetCallerIdentity", credentials: session);

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.Forbidden, after.Status);
        Assert.Equal("ExpiredToken", after.ErrorCode);
    }

    [Fact]
    public async Task Session_WrongToken_IsInvalidClientTokenId()
    {
        await using var broker = await TestBroker.StartAsync();
        var reply = await broker.CallAsync("sts", "GetSessionToken");
        var session = Credentials(reply);

        var forged = await broker.CallAsync(
            "sts", "GetCallerIdentity", credentials: new SigningCredentials(session.AccessKeyId, session.SecretAccessKey, "IQoJforged"));

        Assert.Equal("InvalidClientTokenId", forged.ErrorCode);
    }

    [Fact]
    public async Task GetSessionToken_ByUser_ReturnsCredentialsOfTheSameUser()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");

        var reply = await broker.CallAsync("sts", "GetSessionToken", [new("DurationSeconds", "900")], key);
        var who = await broker.CallAsync("sts", "GetCallerIdentity", credentials: Credentials(reply));
        var again = await broker.CallAsync("sts", "GetSessionToken", credentials: Credentials(reply));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(user.Arn, who.Find("Arn"));
        Assert.Equal("AccessDenied", again.ErrorCode);
    }

    [Fact]
    public async Task GetSessionToken_ByRoot_IsCappedAtOneHour()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));
        await using var broker = await TestBroker.StartAsync(time: time);

        var reply = await broker.CallAsync("sts", "GetSessionToken", [new("DurationSeconds", "7200")]);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse(reply.Find("Expiration")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AssumeRole_TagsWithoutTagSessionInTrustPolicy_IsAccessDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var reply = await broker.CallAsync(
            "sts", "AssumeRole",
            [new("RoleArn", role.Arn), new("RoleSessionName", "s1"), new("Tags.member.1.Key", "team"), new("Tags.member.1.Value", "data")], key);

        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.Contains("sts:TagSession", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_ChainedBeyondOneHour_IsValidationError()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var first = await StoreSeed.RoleAsync(broker, "First", StoreSeed.TrustPolicyFor(user.Arn), 3600, AllowAssume);
        var second = await StoreSeed.RoleAsync(broker, "Second", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"), 43200);
        var session = Credentials(await broker.CallAsync("sts", "AssumeRole", [new("RoleArn", first.Arn), new("RoleSessionName", "s1")], key));

        var tooLong = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", second.Arn), new("RoleSessionName", "s2"), new("DurationSeconds", "7200")], session);
        var oneHour = await broker.CallAsync(
            "sts", "AssumeRole", [new("RoleArn", second.Arn), new("RoleSessionName", "s3"), new("DurationSeconds", "3600")], session);

        Assert.Equal("ValidationError", tooLong.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, oneHour.Status);
    }

    internal static SigningCredentials Credentials(QueryReply reply) =>
        new(reply.Find("AccessKeyId") ?? throw new InvalidOperationException(reply.ToString()), reply.Find("SecretAccessKey")!, reply.Find("SessionToken"));
}
