using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Commands.Audit;

/// <summary><c>iamdb audit</c> run as a process against a data directory a real broker process populated.</summary>
public sealed class AuditCommandTests(AuditedBrokerFixture broker) : IClassFixture<AuditedBrokerFixture>
{
    [Fact]
    public async Task Json_ListsEveryRequestNewestFirstAsCloudTrailRecords()
    {
        var records = await RecordsAsync();

        Assert.Equal(
            ["CreateUser", "GetCallerIdentity", "ListUsers", "GetCallerIdentity", "CreateAccessKey", "CreateUser"],
            records.Select(r => r.GetProperty("eventName").GetString()));
        var first = records[^1];
        Assert.Equal("1.08", first.GetProperty("eventVersion").GetString());
        Assert.Equal("iam.amazonaws.com", first.GetProperty("eventSource").GetString());
        Assert.Equal("Root", first.GetProperty("userIdentity").GetProperty("type").GetString());
        Assert.Equal("adam", first.GetProperty("requestParameters").GetProperty("userName").GetString());
        Assert.Equal("127.0.0.1", first.GetProperty("sourceIPAddress").GetString());
        Assert.Equal(broker.AccountId, first.GetProperty("recipientAccountId").GetString());
        Assert.True(DateTimeOffset.Parse(first.GetProperty("eventTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= broker.StartedAt);
        Assert.Equal(36, first.GetProperty("requestID").GetString()!.Length);
    }

    [Fact]
    public async Task Output_InEveryForm_NeverContainsASecret()
    {
        string[][] runs =
        [
            ["audit", "--data-dir", broker.DataDirectory, "--output", "json"],
            ["audit", "--data-dir", broker.DataDirectory],
            ["audit", "--data-dir", broker.DataDirectory, "--outcome", "error", "--output", "json"],
        ];
        foreach (var args in runs)
        {
            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(args);
            Assert.Equal(ExitCodes.Ok, exitCode);
            Assert.Contains("CreateUser", stdout, StringComparison.Ordinal);

            // Booleans, so a failure never prints the secret it found.
            Assert.False(broker.Secrets.Any(s => stdout.Contains(s, StringComparison.Ordinal) || stderr.Contains(s, StringComparison.Ordinal)), "a secret appeared in iamdb audit's output");
        }

        var keyRecord = (await RecordsAsync("--action", "iam:CreateAccessKey")).Single();
        Assert.Equal(broker.AdamKeyId, keyRecord.GetProperty("responseElements").GetProperty("accessKeyId").GetString());
        Assert.False(keyRecord.GetProperty("responseElements").TryGetProperty("secretAccessKey", out _));
    }

    [Fact]
    public async Task Principal_ByNameOrArn_AndOutcomeDenied_ShowTheDenialWithItsDecision()
    {
        var byName = await RecordsAsync("--principal", "adam", "--outcome", "denied");
        var byArn = await RecordsAsync("--principal", broker.AdamArn);

        var denied = Assert.Single(byName);
        Assert.Equal("ListUsers", denied.GetProperty("eventName").GetString());
        Assert.Equal("AccessDenied", denied.GetProperty("errorCode").GetString());
        Assert.Contains("ImplicitDeny", denied.GetProperty("additionalEventData").GetProperty("decisionTrace")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(["ListUsers", "GetCallerIdentity"], byArn.Select(r => r.GetProperty("eventName").GetString()));
    }

    [Fact]
    public async Task Action_WithOrWithoutService_AndOutcomeFilters()
    {
        Assert.Equal(2, (await RecordsAsync("--action", "GetCallerIdentity")).Count);
        Assert.Equal(2, (await RecordsAsync("--action", "sts:GetCallerIdentity")).Count);
        Assert.Empty(await RecordsAsync("--action", "iam:GetCallerIdentity"));
        Assert.Equal(3, (await RecordsAsync("--outcome", "success")).Count);

        var errors = await RecordsAsync("--outcome", "error");
        Assert.Equal(["EntityAlreadyExists", "SignatureDoesNotMatch"], errors.Select(r => r.GetProperty("errorCode").GetString()));
        Assert.Equal("Unknown", errors[1].GetProperty("userIdentity").GetProperty("type").GetString());
    }

    [Fact]
    public async Task TimeRangeAndLimit_AcceptIsoAndRelativeTimes()
    {
        Assert.Equal(6, (await RecordsAsync("--since", "1h")).Count);
        Assert.Equal(6, (await RecordsAsync("--since", broker.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))).Count);
        Assert.Empty(await RecordsAsync("--until", "2001-01-01"));
        Assert.Empty(await RecordsAsync("--since", "2099-01-01T00:00:00+02:00"));
        Assert.Equal(["CreateUser", "GetCallerIdentity"], (await RecordsAsync("--limit", "2")).Select(r => r.GetProperty("eventName").GetString()));
    }

    [Fact]
    public async Task Table_ShowsTimePrincipalActionOutcomeErrorSourceAndDecision()
    {
        var (exitCode, stdout, _) = await IamdbProcess.RunAsync(["audit", "--data-dir", broker.DataDirectory, "--principal", "adam"]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        foreach (var header in new[] { "Time (UTC)", "Principal", "Action", "Outcome", "Error", "Source IP", "Decision" })
        {
            Assert.Contains(header, stdout, StringComparison.Ordinal);
        }

        Assert.Contains("iam:ListUsers", stdout, StringComparison.Ordinal);
        Assert.Contains("sts:GetCallerIdentity", stdout, StringComparison.Ordinal);
        Assert.Contains("denied", stdout, StringComparison.Ordinal);
        Assert.Contains("AccessDenied", stdout, StringComparison.Ordinal);
        Assert.Contains(broker.AdamArn, stdout, StringComparison.Ordinal);
        Assert.Contains("Allow sts:GetCallerIdentity: no permission is required", stdout, StringComparison.Ordinal);
        Assert.Contains("2 records, newest first.", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_ReadsTheStoreOfABrokerConfiguration()
    {
        var config = Path.Combine(broker.DataDirectory, "..", Path.GetFileName(broker.DataDirectory) + ".toml");
        await File.WriteAllTextAsync(config, $"data_dir = \"{broker.DataDirectory}\"\n", TestContext.Current.CancellationToken);
        try
        {
            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(["audit", "--config", config, "--action", "CreateAccessKey", "--output", "json"]);

            Assert.True(exitCode == ExitCodes.Ok, stderr);
            Assert.Single(JsonDocument.Parse(stdout).RootElement.GetProperty("Records").EnumerateArray());
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Theory]
    [InlineData("--since", "yesterday", "--since 'yesterday' is not a time")]
    [InlineData("--until", "15x", "--until '15x' is not a time")]
    [InlineData("--outcome", "maybe", "--outcome 'maybe' is not one of success, denied, error")]
    [InlineData("--action", "ec2:RunInstances", "unknown service prefix 'ec2'")]
    [InlineData("--limit", "0", "--limit 0 is out of range")]
    [InlineData("--output", "yaml", "--output 'yaml' is not table or json")]
    public async Task UsageErrors_ExitTwoWithAHelpfulMessage(string option, string value, string message)
    {
        var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(["audit", "--data-dir", broker.DataDirectory, option, value]);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains("iamdb audit --help", stderr, StringComparison.Ordinal);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task NoStateInTheDataDirectory_FailsWithoutCreatingAnything()
    {
        var empty = Path.Combine(Path.GetTempPath(), "iamdb-audit-none-" + Guid.NewGuid().ToString("N"));

        var (exitCode, _, stderr) = await IamdbProcess.RunAsync(["audit", "--data-dir", empty]);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("there is no IamDb state in", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(empty));
    }

    [Fact]
    public async Task Help_TeachesWithExamples()
    {
        var (exitCode, stdout, _) = await IamdbProcess.RunAsync(["audit", "--help"]);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("iamdb audit --since 15m --outcome denied", stdout, StringComparison.Ordinal);
        Assert.Contains("--principal", stdout, StringComparison.Ordinal);
        Assert.Contains("--config", stdout, StringComparison.Ordinal);
    }

    private async Task<List<JsonElement>> RecordsAsync(params string[] filters)
    {
        var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(["audit", "--data-dir", broker.DataDirectory, "--output", "json", .. filters]);
        Assert.True(exitCode == ExitCodes.Ok, stderr);
        using var document = JsonDocument.Parse(stdout);
        return [.. document.RootElement.GetProperty("Records").EnumerateArray().Select(r => r.Clone())];
    }
}
