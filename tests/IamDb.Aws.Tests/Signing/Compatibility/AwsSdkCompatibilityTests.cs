using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using IamDb.Aws.Signing;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Aws.Tests.Signing.Compatibility;

/// <summary>Requests signed by AWSSDK.Core 4.x (<c>AWSSigV4Signer</c>, a facade over <c>AWS4Signer</c>) verify with ours.</summary>
public class AwsSdkCompatibilityTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string TemporaryKey = "ASIAIOSFODNN7EXAMPLE";
    private const string TemporarySecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
    private const string Token = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with+plus==";
    private static readonly DateTime SignedAt = new(2026, 11, 24, 9, 30, 0, DateTimeKind.Utc);

    public static TheoryData<string, string, string, bool> HeaderCases => new()
    {
        { "POST", "http://127.0.0.1:8080/", "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=c1&DbUser=adam", false },
        { "POST", "http://127.0.0.1:8080/", "Action=GetCallerIdentity&Version=2011-06-15", true },
        { "GET", "http://localhost:9000/?Version=2010-05-08&Action=ListUsers&PathPrefix=%2Fdivision%20a%2F", "", false },
        { "POST", "https://iam.amazonaws.com/", "Action=CreateUser&UserName=alice&Version=2010-05-08", true },
    };

    [Theory]
    [MemberData(nameof(HeaderCases))]
    public async Task VerifyAsync_AwsSdkHeaderSignedRequest_Accepts(string method, string url, string body, bool sessionToken)
    {
        var request = new AWSSigningRequest
        {
            HttpMethod = new HttpMethod(method),
            RequestUri = new Uri(url),
            Content = System.Text.Encoding.UTF8.GetBytes(body),
        };
        if (method == "POST")
        {
            request.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        }

        var signed = AWSSigV4Signer.Sign(request, Parameters(sessionToken, "eu-west-1"));

        var headers = request.Headers.Concat(signed.Headers)
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()).ToList();
        if (!headers.Any(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Add(new("Host", request.RequestUri.IsDefaultPort ? request.RequestUri.Host : request.RequestUri.Authority));
        }

        Assert.Contains(headers, h => h.Key.Equals("X-Amz-Content-SHA256", StringComparison.OrdinalIgnoreCase));
        var received = new SigV4ReceivedRequest(method, request.RequestUri.PathAndQuery, headers, request.Content);

        var result = await Verifier().VerifyAsync(received, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(("eu-west-1", "redshift"), (result.Identity.Region, result.Identity.Service));
        Assert.Equal(sessionToken ? Token : null, result.Identity.SessionToken);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task VerifyAsync_AwsSdkPresignedUrl_Accepts(bool sessionToken)
    {
        var request = new AWSSigningRequest
        {
            HttpMethod = HttpMethod.Get,
            RequestUri = new Uri("http://127.0.0.1:8080/?Action=GetCallerIdentity&Version=2011-06-15"),
        };

        var presigned = AWSSigV4Signer.Presign(request, Parameters(sessionToken, "us-east-1"), TimeSpan.FromMinutes(15));

        var headers = presigned.SignedHeaders.ToList();
        if (!headers.Any(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Add(new("Host", presigned.Uri.Authority));
        }

        var received = new SigV4ReceivedRequest("GET", presigned.Uri.PathAndQuery, headers, default);
        var result = await Verifier().VerifyAsync(received, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(SigV4AuthenticationKind.Query, result.Identity.Kind);
    }

    [Fact]
    public void SignHeaders_SameRequestAsAwsSdk_ProducesSameAuthorization()
    {
        var body = "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=c1&DbUser=adam"u8.ToArray();
        var sdkRequest = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = new Uri("http://127.0.0.1:8080/"), Content = body };
        sdkRequest.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        var sdk = AWSSigV4Signer.Sign(sdkRequest, Parameters(sessionToken: true, "us-east-1"));

        var ours = SigV4Signer.SignHeaders(
            new SigV4Request("POST", "127.0.0.1:8080", "/", "", [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body),
            new SigningCredentials(TemporaryKey, TemporarySecret, Token), "us-east-1", "redshift", SignedAt, addContentSha256Header: true);

        var sdkAuthorization = sdk.Headers.Single(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal(sdkAuthorization, ours.Authorization);
    }

    private static AWSSigV4Parameters Parameters(bool sessionToken, string region) => new()
    {
        Credentials = sessionToken
            ? new SessionAWSCredentials(TemporaryKey, TemporarySecret, Token)
            : new BasicAWSCredentials(AccessKey, Secret),
        Region = RegionEndpoint.GetBySystemName(region),
        Service = "redshift",
        SignedAt = SignedAt,
    };

    private static SigV4Verifier Verifier() => new(
        new InMemorySecretSource().Add(AccessKey, Secret).Add(TemporaryKey, TemporarySecret, Token),
        new FakeTimeProvider(new DateTimeOffset(SignedAt).AddMinutes(3)));
}
