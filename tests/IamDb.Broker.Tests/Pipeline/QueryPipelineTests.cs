using System.Net;
using System.Text;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Pipeline;

public sealed class QueryPipelineTests
{
    [Fact]
    public async Task GetCallerIdentity_SignedByRoot_AnswersAwsXmlWithHeaders()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("sts", "GetCallerIdentity");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("text/xml", reply.ContentType);
        Assert.NotNull(reply.RequestId);
        Assert.Equal("GetCallerIdentityResponse", reply.Xml.Name.LocalName);
        Assert.Equal("https://sts.amazonaws.com/doc/2011-06-15/", reply.Xml.Name.NamespaceName);
        Assert.Equal(reply.RequestId, reply.Find("RequestId"));
        Assert.Equal(broker.AccountId, reply.Find("UserId"));
    }

    [Fact]
    public async Task Request_WrongSecret_IsSignatureDoesNotMatch403()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("sts", "GetCallerIdentity", credentials: new SigningCredentials(broker.Root.AccessKeyId, new string('x', 40)));

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("SignatureDoesNotMatch", reply.ErrorCode);
        Assert.Equal("Sender", reply.Find("Type"));
    }

    [Fact]
    public async Task Request_ClockSkewedTwentyMinutes_IsRejected()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("sts", "GetCallerIdentity", signingTime: DateTimeOffset.UtcNow.AddMinutes(-20));

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("SignatureDoesNotMatch", reply.ErrorCode);
        Assert.Contains("Signature expired", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_UnknownKey_IsInvalidClientTokenId()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("sts", "GetCallerIdentity", credentials: new SigningCredentials("AKIANOSUCHKEYEXAMPLE", new string('x', 40)));

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("InvalidClientTokenId", reply.ErrorCode);
    }

    [Fact]
    public async Task Request_Unsigned_IsMissingAuthenticationToken()
    {
        await using var broker = await TestBroker.StartAsync();
        using var message = new HttpRequestMessage(HttpMethod.Post, broker.Endpoint + "/")
        {
            Content = new StringContent("Action=GetCallerIdentity&Version=2011-06-15", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };

        var reply = await broker.SendAsync(message);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("MissingAuthenticationToken", reply.ErrorCode);
    }

    [Theory]
    [InlineData("sts", "NoSuchAction", "2011-06-15", "Could not find operation NoSuchAction for version 2011-06-15")]
    [InlineData("sts", "GetCallerIdentity", "2010-05-08", "Could not find operation GetCallerIdentity for version 2010-05-08")]
    [InlineData("iam", "GetCallerIdentity", "2010-05-08", "Could not find operation GetCallerIdentity for version 2010-05-08")]
    public async Task Request_UnknownActionOrVersion_IsInvalidAction400(string service, string action, string version, string message)
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync(service, action, version: version);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidAction", reply.ErrorCode);
        Assert.Equal(message, reply.ErrorMessage);
    }

    [Fact]
    public async Task Request_BodyOverLimit_IsRequestEntityTooLarge413()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxRequestBodyBytes = 4096);

        var reply = await broker.CallAsync("sts", "GetCallerIdentity", [new("Padding", new string('a', 5000))]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("RequestEntityTooLarge", reply.ErrorCode);
    }

    [Fact]
    public async Task Request_MalformedForm_Is400NotServerError()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.SendSignedAsync(Encoding.UTF8.GetBytes("Action=GetCallerIdentity&Version=2011-06-15&x=%zz"), "sts", broker.Root);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("MalformedQueryString", reply.ErrorCode);
    }

    [Fact]
    public async Task Request_GetWithQueryString_IsServedLikePost()
    {
        await using var broker = await TestBroker.StartAsync();
        var uri = new Uri(broker.Endpoint + "/?Action=GetCallerIdentity&Version=2011-06-15");
        var signature = SigV4Signer.SignHeaders(SigV4Request.FromUri("GET", uri), broker.Root, "us-east-1", "sts", DateTimeOffset.UtcNow);
        using var message = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var reply = await broker.SendAsync(message);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(broker.AccountId, reply.Find("Account"));
    }

    [Fact]
    public async Task Request_PresignedGet_IsAuthenticatedAndTheSignatureIsNotAudited()
    {
        await using var broker = await TestBroker.StartAsync();
        var uri = new Uri(broker.Endpoint + "/?Action=GetCallerIdentity&Version=2011-06-15");
        var presigned = SigV4Signer.Presign(SigV4Request.FromUri("GET", uri), broker.Root, "us-east-1", "sts", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        using var message = new HttpRequestMessage(HttpMethod.Get, broker.Endpoint + presigned.RawTarget);

        var reply = await broker.SendAsync(message);
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(broker.AccountId, reply.Find("Account"));
        Assert.DoesNotContain(presigned.Signature, Broker.State.Audit.AuditJson.Write(record), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_InactiveUserKey_IsInvalidClientTokenId()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        await StoreSeed.SetKeyStatusAsync(broker, key.AccessKeyId, Broker.State.Iam.AccessKeyStatus.Inactive);

        var reply = await broker.CallAsync("sts", "GetCallerIdentity", credentials: key);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("InvalidClientTokenId", reply.ErrorCode);
    }

    [Fact]
    public async Task Request_UserKey_IdentifiesTheUser()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");

        var reply = await broker.CallAsync("sts", "GetCallerIdentity", credentials: key);

        Assert.Equal(user.Arn, reply.Find("Arn"));
        Assert.Equal(user.UserId, reply.Find("UserId"));
    }
}
