using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using IamDb.Aws.Signing;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Aws.Tests.Signing.Compatibility;

/// <summary>Requests signed by botocore (pure Python, and the CRT signer when awscrt imports) verify with ours.</summary>
public class BotocoreCompatibilityTests
{
    private const string Python = "/usr/bin/python3";
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string TemporaryKey = "ASIAIOSFODNN7EXAMPLE";
    private const string TemporarySecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
    private const string Token = "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with+plus==";

    private static readonly JsonArray Cases =
    [
        Case("post-form", "POST", "http://127.0.0.1:8080/", "Action=GetClusterCredentials&Version=2012-12-01&ClusterIdentifier=c1&DbUser=adam",
            "us-east-1", "redshift"),
        Case("post-form-session-token", "POST", "http://127.0.0.1:8080/", "Action=GetCallerIdentity&Version=2011-06-15",
            "eu-west-1", "sts", token: Token),
        Case("get-encoded-query", "GET",
            "http://localhost:9000/?Version=2010-05-08&Action=ListUsers&PathPrefix=%2Fdivision%20a%2F&Marker=a%2Bb%3D&Empty=",
            "", "us-west-2", "iam"),
        Case("presigned", "GET", "http://127.0.0.1:8080/?Action=GetCallerIdentity&Version=2011-06-15", "", "us-east-1", "sts",
            presignExpires: 900),
        Case("presigned-session-token", "GET", "http://127.0.0.1:8080/?Action=GetCallerIdentity&Version=2011-06-15", "",
            "ap-southeast-2", "sts", token: Token, presignExpires: 60),
    ];

    [Fact]
    public async Task VerifyAsync_BotocoreSignedRequests_AreAccepted()
    {
        var output = RunSigner(Cases.ToJsonString());
        var results = output["results"]!.AsArray();
        var signers = output["crt"]!.GetValue<bool>() ? 2 : 1;
        Assert.Equal(Cases.Count * signers, results.Count);

        foreach (var node in results)
        {
            var label = $"{node!["signer"]}/{node["id"]}";
            var (request, amzDate) = ToReceived(node);
            Assert.True(AmzDateParse(amzDate, out var signingTime), label);
            var secrets = new InMemorySecretSource().Add(AccessKey, Secret).Add(TemporaryKey, TemporarySecret, Token);
            var verifier = new SigV4Verifier(secrets, new FakeTimeProvider(signingTime.AddSeconds(30)));

            var result = await verifier.VerifyAsync(request, TestContext.Current.CancellationToken);

            Assert.True(result.IsSuccess, $"{label}: {result}");
        }
    }

    [Fact]
    public void RunSigner_OnThisMachine_UsesTheCrtSignerToo()
    {
        // The CRT signer is what the Debian aws CLI uses; python3-awscrt is installed with awscli.
        var output = RunSigner("[]");
        Assert.True(output["crt"]!.GetValue<bool>(), "python3-awscrt is not importable from /usr/bin/python3; install python3-awscrt");
    }

    private static JsonObject Case(
        string id, string method, string url, string body, string region, string service, string? token = null, int? presignExpires = null)
    {
        var isTemporary = token is not null;
        var headers = new JsonObject();
        if (method == "POST")
        {
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        }

        return new JsonObject
        {
            ["id"] = id,
            ["method"] = method,
            ["url"] = url,
            ["headers"] = headers,
            ["body"] = body,
            ["access_key"] = isTemporary ? TemporaryKey : AccessKey,
            ["secret_key"] = isTemporary ? TemporarySecret : Secret,
            ["token"] = token,
            ["region"] = region,
            ["service"] = service,
            ["presign_expires"] = presignExpires,
        };
    }

    private static (SigV4ReceivedRequest Request, string AmzDate) ToReceived(JsonNode node)
    {
        var url = node["url"]!.GetValue<string>();
        var afterScheme = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = url.IndexOf('/', afterScheme);
        var authority = url[afterScheme..pathStart];
        var rawTarget = url[pathStart..];
        var headers = node["headers"]!.AsArray()
            .Select(h => new KeyValuePair<string, string>(h![0]!.GetValue<string>(), h[1]!.GetValue<string>())).ToList();
        if (!headers.Any(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            headers.Add(new("Host", authority)); // the HTTP client sends it from the URL
        }

        var amzDate = headers.FirstOrDefault(h => h.Key.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase)).Value
                      ?? System.Web.HttpUtility.ParseQueryString(rawTarget[(rawTarget.IndexOf('?', StringComparison.Ordinal) + 1)..])["X-Amz-Date"]!;
        var body = System.Text.Encoding.UTF8.GetBytes(node["body"]!.GetValue<string>());
        return (new SigV4ReceivedRequest(node["method"]!.GetValue<string>(), rawTarget, headers, body), amzDate);
    }

    private static bool AmzDateParse(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out time);

    /// <summary>Runs botocore_sign.py once over a JSON batch of cases (the security tests sign through it too).</summary>
    internal static JsonNode RunSigner(string input)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Signing", "Compatibility", "botocore_sign.py");
        Assert.True(File.Exists(Python), $"{Python} is missing: install python3 and python3-boto3 (the repository's test script does).");
        var start = new ProcessStartInfo(Python, [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "botocore signer timed out");
        Assert.True(process.ExitCode == 0,
            $"botocore signer failed (exit {process.ExitCode}); install python3-boto3 for {Python}: {(stderr.Contains("No module named", StringComparison.Ordinal) ? stderr : "see stderr")}\n{stderr}");
        return JsonNode.Parse(stdout.GetAwaiter().GetResult())!;
    }
}
