using IamDb.Aws.Signing;

namespace IamDb.Aws.Tests.Signing;

/// <summary>Builds a typical Query-protocol POST signed by our signer, as a server would receive it.</summary>
internal static class SignedRequestBuilder
{
    public const string Host = "127.0.0.1:8080";
    public const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string TemporaryKeyId = "ASIAIOSFODNN7EXAMPLE";
    public const string TemporarySecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
    public const string SessionToken = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN+/=";
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static readonly byte[] Body = System.Text.Encoding.UTF8.GetBytes(
        "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=examplecluster&DbUser=adam&DbName=dev");

    public static InMemorySecretSource Secrets() => new InMemorySecretSource()
        .Add(AccessKeyId, Secret)
        .Add(TemporaryKeyId, TemporarySecret, SessionToken);

    public static SigV4Request Request(string rawQuery = "", byte[]? body = null, string method = "POST") => new(
        method, Host, "/", rawQuery,
        [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), new("Host", Host)], body ?? Body);

    /// <summary>Signs in header form and returns what the server receives.</summary>
    public static SigV4ReceivedRequest HeaderSigned(
        DateTimeOffset? time = null, SigningCredentials? credentials = null, string region = "us-east-1", string service = "redshift",
        SigV4Request? request = null, bool contentSha = false)
    {
        request ??= Request();
        var signed = SigV4Signer.SignHeaders(request, credentials ?? new SigningCredentials(AccessKeyId, Secret), region, service,
            time ?? Now, contentSha);
        var headers = request.Headers.Concat(signed.HeadersToAdd).ToList();
        var target = request.RawQuery.Length == 0 ? request.RawPath : request.RawPath + "?" + request.RawQuery;
        return new SigV4ReceivedRequest(request.Method, target, headers, request.Body);
    }

    /// <summary>Presigns a GET and returns what the server receives.</summary>
    public static SigV4ReceivedRequest Presigned(
        TimeSpan expiresIn, DateTimeOffset? time = null, SigningCredentials? credentials = null, string rawQuery = "Action=GetCallerIdentity&Version=2011-06-15")
    {
        var request = new SigV4Request("GET", Host, "/", rawQuery, [new("Host", Host)]);
        var signed = SigV4Signer.Presign(request, credentials ?? new SigningCredentials(AccessKeyId, Secret), "us-east-1", "sts",
            time ?? Now, expiresIn);
        return new SigV4ReceivedRequest("GET", signed.RawTarget, request.Headers, default);
    }

    public static SigV4ReceivedRequest WithHeaders(this SigV4ReceivedRequest request, Func<List<KeyValuePair<string, string>>, IEnumerable<KeyValuePair<string, string>>> change) =>
        new(request.Method, request.RawTarget, change(request.Headers.ToList()).ToList(), request.Body);

    public static SigV4ReceivedRequest WithHeader(this SigV4ReceivedRequest request, string name, string value) =>
        request.WithHeaders(h => h.Select(x => x.Key.Equals(name, StringComparison.OrdinalIgnoreCase) ? new(x.Key, value) : x));

    public static SigV4ReceivedRequest Without(this SigV4ReceivedRequest request, string name) =>
        request.WithHeaders(h => h.Where(x => !x.Key.Equals(name, StringComparison.OrdinalIgnoreCase)));

    public static SigV4ReceivedRequest WithTarget(this SigV4ReceivedRequest request, string rawTarget) =>
        new(request.Method, rawTarget, request.Headers, request.Body);

    public static string Authorization(this SigV4ReceivedRequest request) =>
        request.Headers.Single(h => h.Key == "Authorization").Value;

    public static SigV4Verifier Verifier(SigV4VerifierOptions? options = null, InMemorySecretSource? secrets = null) =>
        new(secrets ?? Secrets(), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now), options);
}
