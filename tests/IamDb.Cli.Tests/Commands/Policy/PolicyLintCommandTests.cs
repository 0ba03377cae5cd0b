using System.Text.Json;
using IamDb.Cli.Output;

namespace IamDb.Cli.Tests.Commands.Policy;

public class PolicyLintCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<string> WriteAsync(string json)
    {
        var path = Path.Combine(_cli.Directory, "policy.json");
        await File.WriteAllTextAsync(path, json, TestContext.Current.CancellationToken);
        return path;
    }

    [Fact]
    public async Task Lint_ErrorFinding_ExitsOneAndPointsAtLineAndColumn()
    {
        var path = await WriteAsync("""
            {
              "Version": "2012-10-17",
              "Statement": [
                {
                  "Effect": "Allow",
                  "Action": ["redshift:GetClusterCredentials", "redshift:GetClusterCredential"],
                  "Resource": "*"
                },
                {
                  "Effect": "Allow",
                  "NotAction": "*",
                  "Resource": "arn:aws:s3:::bucket"
                }
              ]
            }
            """);

        var result = await _cli.RunAsync("policy", "lint", path);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains($"{path}:6:52: warning IAMDB-L002", result.Stdout);
        Assert.Contains($"{path}:7:7: warning IAMDB-L001", result.Stdout);
        Assert.Contains($"{path}:11:7: error IAMDB-L006", result.Stdout);
        Assert.Contains("1 error(s), 2 warning(s)", result.Stdout);
    }

    [Fact]
    public async Task Lint_InvalidPolicy_ReportsIamsErrorWithLocationAsJson()
    {
        var path = await WriteAsync("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3","Resource":"*"}}""");

        var result = await _cli.RunAsync("policy", "lint", path, "--output", "json");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.False(json.RootElement.GetProperty("Valid").GetBoolean());
        var finding = json.RootElement.GetProperty("Findings")[0];
        Assert.Equal("MalformedPolicyDocument", finding.GetProperty("Code").GetString());
        Assert.Equal(1, finding.GetProperty("Line").GetInt32());
        Assert.Equal(64, finding.GetProperty("Column").GetInt32());
    }

    [Fact]
    public async Task Lint_WarningsOnly_ExitsZero()
    {
        var path = await WriteAsync("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentials","Resource":"*"}]}""");

        var result = await _cli.RunAsync("policy", "lint", path);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("warning IAMDB-L001", result.Stdout);
    }

    [Fact]
    public async Task Lint_TrustPolicyKind_AppliesTrustRules()
    {
        var path = await WriteAsync("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}""");

        var asTrust = await _cli.RunAsync("policy", "lint", "--kind", "trust", path);
        var asIdentity = await _cli.RunAsync("policy", "lint", path);

        Assert.Equal(ExitCodes.Failure, asTrust.ExitCode);
        Assert.Contains("IAMDB-L013", asTrust.Stdout);
        Assert.Equal(ExitCodes.Failure, asIdentity.ExitCode);
        Assert.Contains("MalformedPolicyDocument", asIdentity.Stdout);
    }

    [Fact]
    public async Task Lint_MissingFile_IsAFailureNamingIt()
    {
        var result = await _cli.RunAsync("policy", "lint", "/nonexistent/policy.json");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("error: cannot read /nonexistent/policy.json", result.Stderr);
    }

    [Fact]
    public async Task Lint_Stdin_ReadsTheDocument()
    {
        var result = await _cli.RunWithInputAsync("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}""", "policy", "lint", "-");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("-: ok", result.Stdout);
    }
}
