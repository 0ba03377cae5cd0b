using System.Net;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Security;

/// <summary>Through the real broker over HTTP: a signed query string re-sent with other bytes is never read as something else.</summary>
public sealed class SignedRequestAlterationTests
{
    [Fact]
    public async Task SignedPercent2BSentAsPlus_IsReadAsAPlusOrRefused()
    {
        await using var broker = await TestBroker.StartAsync();
        var signedQuery = "Action=CreateUser&Version=2010-05-08&UserName=plus-user&Path=%2Fa%2Bb%2F";
        var signature = SigV4Signer.SignHeaders(
            new SigV4Request("GET", new Uri(broker.Endpoint).Authority, "/", signedQuery, [], default),
            broker.Root, "us-east-1", "iam", broker.Time.GetUtcNow());

        // A man in the middle rewrites %2B as +, which the old decoder read as a space.
        using var message = new HttpRequestMessage(HttpMethod.Get, broker.Endpoint + "/?" + signedQuery.Replace("%2B", "+", StringComparison.Ordinal));
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var reply = await broker.SendAsync(message);

        if (reply.Status == HttpStatusCode.OK)
        {
            Assert.Equal("/a+b/", reply.Find("Path"));
        }
        else
        {
            Assert.Contains(reply.ErrorCode, new[] { "SignatureDoesNotMatch", "MalformedQueryString" });
        }
    }

    [Fact]
    public async Task SignedDuplicateKeysReordered_AreRefused()
    {
        await using var broker = await TestBroker.StartAsync();
        var signedQuery = "Action=CreateUser&Version=2010-05-08&UserName=alice&UserName=mallory";
        var signature = SigV4Signer.SignHeaders(
            new SigV4Request("GET", new Uri(broker.Endpoint).Authority, "/", signedQuery, [], default),
            broker.Root, "us-east-1", "iam", broker.Time.GetUtcNow());
        using var message = new HttpRequestMessage(HttpMethod.Get, broker.Endpoint + "/?Action=CreateUser&Version=2010-05-08&UserName=mallory&UserName=alice");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var reply = await broker.SendAsync(message);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("MalformedQueryString", reply.ErrorCode);
    }
}
