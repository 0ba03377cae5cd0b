using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using BenchmarkDotNet.Attributes;
using IamDb.Aws.Signing;

namespace IamDb.Aws.Benchmarks;

/// <summary>
/// SigV4 on a typical ~400-byte Query-protocol POST (GetClusterCredentials; content-type;host;x-amz-date signed):
/// verification with the signing key cached, and signing with ours next to AWSSDK.Core's signer.
/// </summary>
[MemoryDiagnoser]
public class SigV4Benchmarks
{
    private const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static readonly byte[] Body = System.Text.Encoding.UTF8.GetBytes(
        "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=examplecluster&DbUser=adam&DbName=dev");

    private readonly SigningCredentials _credentials = new(AccessKeyId, Secret);
    private SigV4Verifier _verifier = null!;
    private SigV4ReceivedRequest _received;
    private SigV4Request _request = null!;
    private AWSSigV4Parameters _sdkParameters = null!;

    [GlobalSetup]
    public void Setup()
    {
        _request = new SigV4Request("POST", "127.0.0.1:8080", "/", "",
            [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), new("Host", "127.0.0.1:8080")], Body);
        var signed = SigV4Signer.SignHeaders(_request, _credentials, "us-east-1", "redshift", Now);
        var headers = new List<KeyValuePair<string, string>>(_request.Headers);
        headers.Add(new("User-Agent", "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off command/redshift.get-cluster-credentials"));
        headers.AddRange(signed.HeadersToAdd);
        _received = new SigV4ReceivedRequest("POST", "/", headers.ToArray(), Body);
        _verifier = new SigV4Verifier(new StaticSecrets(), new FixedTime(Now.AddSeconds(5)));
        var warm = _verifier.VerifyAsync(_received).AsTask().GetAwaiter().GetResult();
        if (!warm.IsSuccess)
        {
            throw new InvalidOperationException(warm.ToString());
        }

        _sdkParameters = new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(AccessKeyId, Secret),
            Region = RegionEndpoint.USEast1,
            Service = "redshift",
            SignedAt = Now.UtcDateTime,
        };
    }

    [Benchmark(Description = "Verify (cached signing key)")]
    public bool Verify()
    {
        // The secret source completes synchronously, so the ValueTask has its result already.
        var pending = _verifier.VerifyAsync(_received);
        return pending.IsCompletedSuccessfully && pending.Result.IsSuccess;
    }

    [Benchmark(Baseline = true, Description = "Sign: AWSSDK.Core AWSSigV4Signer")]
    public string SignAwsSdk()
    {
        var request = new AWSSigningRequest
        {
            HttpMethod = HttpMethod.Post,
            RequestUri = new Uri("http://127.0.0.1:8080/"),
            Content = Body,
        };
        request.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        return AWSSigV4Signer.Sign(request, _sdkParameters).Headers["Authorization"];
    }

    [Benchmark(Description = "Sign: IamDb SigV4Signer")]
    public string SignOurs() => SigV4Signer.SignHeaders(_request, _credentials, "us-east-1", "redshift", Now).Authorization;

    private sealed class StaticSecrets : ISigningSecretSource
    {
        private static readonly SigningSecretLookup Found = SigningSecretLookup.Found(Secret, keyStamp: 1);

        public ValueTask<SigningSecretLookup> FindAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken) =>
            ValueTask.FromResult(accessKeyId == AccessKeyId ? Found : SigningSecretLookup.UnknownAccessKey);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
