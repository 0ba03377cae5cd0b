using System.Diagnostics;
using System.Text.Json;
using IamDb.Aws.Query;

namespace IamDb.Aws.Tests.Query;

/// <summary>
/// Feeds our XML to botocore's own <c>QueryParser</c> (Debian's python3-boto3) with the real service models, so a
/// shape mistake shows up here rather than in the aws CLI.
/// </summary>
public class BotocoreCompatibilityTests
{
    private const string Python = "/usr/bin/python3";

    private static JsonElement ParseWithBotocore(string service, string operation, int status, byte[] body)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Query", "botocore_parse.py");
        Assert.True(File.Exists(Python), $"{Python} is missing: install python3 and python3-boto3 (apt-get install python3-boto3)");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, service, operation, status.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.BaseStream.Write(body);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "botocore parser timed out");
        Assert.True(process.ExitCode != 3, "botocore is not importable by /usr/bin/python3: install python3-boto3 (apt-get install python3-boto3)");
        Assert.True(process.ExitCode == 0, $"botocore parser failed: {stderr}");
        return JsonDocument.Parse(stdout.Result).RootElement;
    }

    private static string Get(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            e = e.GetProperty(p);
        }

        return e.ToString();
    }

    [Fact]
    public void StsGetCallerIdentity_ParsedByBotocore_YieldsAllFields()
    {
        var parsed = ParseWithBotocore("sts", "GetCallerIdentity", 200, QueryResponseWriterTests.StsGetCallerIdentity());
        Assert.Equal("AIDAJQABLZS4A3QDU576Q", Get(parsed, "UserId"));
        Assert.Equal("123456789012", Get(parsed, "Account"));
        Assert.Equal("arn:aws:iam::123456789012:user/alice", Get(parsed, "Arn"));
        Assert.Equal(QueryResponseWriterTests.RequestId, Get(parsed, "ResponseMetadata", "RequestId"));
    }

    [Fact]
    public void IamCreateUser_ParsedByBotocore_YieldsUserWithTagsAndTimestamp()
    {
        var parsed = ParseWithBotocore("iam", "CreateUser", 200, QueryResponseWriterTests.IamCreateUser());
        var user = parsed.GetProperty("User");
        Assert.Equal("/", Get(user, "Path"));
        Assert.Equal("alice", Get(user, "UserName"));
        Assert.Equal("AIDAJQABLZS4A3QDU576Q", Get(user, "UserId"));
        Assert.Equal("arn:aws:iam::123456789012:user/alice", Get(user, "Arn"));
        Assert.Equal("2026-11-24T02:39:32.123000Z", Get(user, "CreateDate"));
        Assert.False(user.TryGetProperty("PasswordLastUsed", out _));
        var tags = user.GetProperty("Tags");
        Assert.Equal(2, tags.GetArrayLength());
        Assert.Equal("team", Get(tags[1], "Key"));
        Assert.Equal("db & <ops>", Get(tags[1], "Value"));
    }

    [Fact]
    public void RedshiftGetClusterCredentials_ParsedByBotocore_YieldsCredentials()
    {
        var parsed = ParseWithBotocore("redshift", "GetClusterCredentials", 200, QueryResponseWriterTests.RedshiftGetClusterCredentials());
        Assert.Equal("IAM:adam", Get(parsed, "DbUser"));
        Assert.Equal("pw/+==", Get(parsed, "DbPassword"));
        Assert.Equal("2026-11-24T02:54:32.123000Z", Get(parsed, "Expiration"));
        Assert.Equal(QueryResponseWriterTests.RequestId, Get(parsed, "ResponseMetadata", "RequestId"));
    }

    [Fact]
    public void ErrorResponse_ParsedByBotocore_YieldsCodeMessageAndRequestId()
    {
        var parsed = ParseWithBotocore("sts", "AssumeRole", 403, QueryResponseWriterTests.StsAccessDenied());
        Assert.Equal("AccessDenied", Get(parsed, "Error", "Code"));
        Assert.Equal("Sender", Get(parsed, "Error", "Type"));
        Assert.StartsWith("User: arn:aws:iam::123456789012:user/bob is not authorized", Get(parsed, "Error", "Message"));
        Assert.Equal(QueryResponseWriterTests.RequestId, Get(parsed, "ResponseMetadata", "RequestId"));
    }

    [Fact]
    public void IamDeleteUser_WithoutResult_ParsedByBotocore_YieldsOnlyMetadata()
    {
        var body = QueryResponseWriter.ToBytes(QueryService.IamNamespace, "DeleteUser", QueryResponseWriterTests.RequestId, null);
        var parsed = ParseWithBotocore("iam", "DeleteUser", 200, body);
        Assert.Equal(QueryResponseWriterTests.RequestId, Get(parsed, "ResponseMetadata", "RequestId"));
        Assert.Single(parsed.EnumerateObject());
    }
}
