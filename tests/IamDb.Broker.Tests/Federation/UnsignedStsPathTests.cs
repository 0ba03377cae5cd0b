using System.Net;
using System.Text;
using IamDb.Broker.State.Audit;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// The unsigned path of the token-bearing STS calls: AWS accepts <c>AssumeRoleWithWebIdentity</c> and
/// <c>AssumeRoleWithSAML</c> without a SigV4 signature, throttles them per source address, and their audit records never
/// carry the token or assertion.
/// </summary>
public sealed class UnsignedStsPathTests
{
    // Not a real token: a header and payload naming an issuer no provider is registered for, and a fake signature.
    private static readonly string Token =
        B64("{\"alg\":\"RS256\",\"kid\":\"k1\"}") + "." + B64("{\"iss\":\"https://idp.invalid\",\"sub\":\"s\",\"aud\":\"a\"}") + ".c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ";

    [Fact]
    public async Task UnsignedPost_ReachesTheHandler_NotMissingAuthenticationToken()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleSessionName", "s1"),
            ("WebIdentityToken", Token));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("ValidationError", reply.ErrorCode);
        Assert.Contains("roleArn", reply.ErrorMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnsignedGet_TokenOfUnknownIssuer_IsInvalidIdentityTokenAsAws()
    {
        await using var broker = await TestBroker.StartAsync();
        var query = Query(("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", $"arn:aws:iam::{broker.AccountId}:role/r"),
            ("RoleSessionName", "s1"), ("WebIdentityToken", Token));

        var reply = await broker.SendAsync(new HttpRequestMessage(HttpMethod.Get, broker.Endpoint + "/?" + query));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidIdentityToken", reply.ErrorCode);
        Assert.Equal("No OpenIDConnect provider found in your account for https://idp.invalid", reply.ErrorMessage);
    }

    [Theory]
    [InlineData("AssumeRole", "2011-06-15")]
    [InlineData("GetCallerIdentity", "2011-06-15")]
    [InlineData("AssumeRoleWithWebIdentity", "2010-05-08")]
    public async Task Unsigned_OtherActionsOrVersions_StillNeedASignature(string action, string version)
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await SendUnsignedAsync(broker, ("Action", action), ("Version", version), ("RoleArn", $"arn:aws:iam::{broker.AccountId}:role/r"),
            ("RoleSessionName", "s1"), ("WebIdentityToken", Token));

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("MissingAuthenticationToken", reply.ErrorCode);
    }

    [Fact]
    public async Task RepeatedActionParameter_CannotSwitchTheUnsignedCallToAnotherAction()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("Action", "AssumeRole"),
            ("RoleArn", $"arn:aws:iam::{broker.AccountId}:role/r"), ("RoleSessionName", "s1"), ("WebIdentityToken", Token));

        Assert.NotEqual(HttpStatusCode.OK, reply.Status);
        Assert.NotNull(reply.ErrorCode);
        Assert.NotEqual("ValidationError", reply.ErrorCode); // AssumeRole's handler never ran with a token-bearing caller
    }

    [Fact]
    public async Task AuditRecord_NamesTheCallButNeverTheTokenAndNoAccessKeyOrUser()
    {
        await using var broker = await TestBroker.StartAsync();
        var roleArn = $"arn:aws:iam::{broker.AccountId}:role/r";

        var reply = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleArn),
            ("RoleSessionName", "s1"), ("WebIdentityToken", Token));
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);
        var json = AuditJson.Write(record);

        Assert.Equal("AssumeRoleWithWebIdentity", record.EventName);
        Assert.Equal("sts.amazonaws.com", record.EventSource);
        Assert.Equal("InvalidIdentityToken", record.ErrorCode);
        Assert.Equal("Unknown", record.UserIdentity.Type);
        Assert.Null(record.UserIdentity.AccessKeyId);
        Assert.Null(record.UserIdentity.UserName);
        Assert.Contains(roleArn, json, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Token.Split('.')[1], json, StringComparison.Ordinal);
        Assert.DoesNotContain("webIdentityToken", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AuditRecord_NeverCarriesTheSamlAssertion()
    {
        await using var broker = await TestBroker.StartAsync();
        var assertion = Convert.ToBase64String(Encoding.UTF8.GetBytes("<samlp:Response>assertion-secret-marker</samlp:Response>"));

        var reply = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithSAML"), ("Version", "2011-06-15"),
            ("RoleArn", $"arn:aws:iam::{broker.AccountId}:role/r"), ("PrincipalArn", $"arn:aws:iam::{broker.AccountId}:saml-provider/p"),
            ("SAMLAssertion", assertion));
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);

        Assert.NotEqual("MissingAuthenticationToken", reply.ErrorCode);
        Assert.Equal("AssumeRoleWithSAML", record.EventName);
        Assert.DoesNotContain(assertion, AuditJson.Write(record), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsignedCalls_AreThrottledPerSourceAddress_BeforeAnythingElse()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.ThrottleBurst = 3;
            o.ThrottleRatePerSecond = 0.01;
        });

        var codes = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            var reply = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleSessionName", "s1"));
            codes.Add(reply.ErrorCode);
        }

        Assert.Equal(["ValidationError", "ValidationError", "ValidationError", "Throttling", "Throttling"], codes);
        var records = await broker.AuditAsync();
        Assert.Single(records, r => r.ErrorCode == "Throttling"); // one record per episode, not one per refused call
        Assert.Equal(HttpStatusCode.OK, (await broker.CallAsync("sts", "GetCallerIdentity")).Status); // signed callers have their own budget
    }

    [Fact]
    public async Task RefusedTokens_SpendTheAddressBudgetOfFailedAuthentications()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.FailedAuthenticationBurst = 2;
            o.FailedAuthenticationRatePerSecond = 0.01;
        });

        var first = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"),
            ("RoleArn", $"arn:aws:iam::{broker.AccountId}:role/r"), ("RoleSessionName", "s1"), ("WebIdentityToken", Token));
        var second = await SendUnsignedAsync(broker, ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"),
            ("RoleArn", $"arn:aws:iam::{broker.AccountId}:role/r"), ("RoleSessionName", "s1"), ("WebIdentityToken", Token));
        var signed = await broker.CallAsync("sts", "GetCallerIdentity");

        Assert.Equal("InvalidIdentityToken", first.ErrorCode);
        Assert.Equal("InvalidIdentityToken", second.ErrorCode);
        Assert.Equal("Throttling", signed.ErrorCode);
    }

    /// <summary>POSTs <paramref name="parameters"/> as a form without any signature, as clients send the token-bearing STS calls.</summary>
    internal static Task<QueryReply> SendUnsignedAsync(TestBroker broker, params (string Key, string Value)[] parameters)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, broker.Endpoint + "/")
        {
            Content = new StringContent(Query(parameters), Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        return broker.SendAsync(message);
    }

    private static string Query(params (string Key, string Value)[] parameters) =>
        string.Join("&", parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
