using System.Text.Json;
using System.Text.RegularExpressions;
using IamDb.Cli.Output;

namespace IamDb.Cli.Tests.Commands.Demo;

public class DemoCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Demo_OnThisMachine_EveryStepSucceedsWithAWorkingCredentialAndTheQueryResult()
    {
        var result = await _cli.RunAsync("demo");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("All 11 steps did what they should", result.Stdout);
        // The credential in the aws CLI's shape, which step 7 then used to log in: the query ran as adam in dbA.
        var json = Regex.Match(result.Stdout, "\\{\\s*\"DbUser\".*?\\}", RegexOptions.Singleline);
        Assert.True(json.Success, "the credential JSON is printed");
        using var credential = JsonDocument.Parse(json.Value);
        Assert.StartsWith("IAM:adam", credential.RootElement.GetProperty("DbUser").GetString());
        Assert.True(credential.RootElement.GetProperty("DbPassword").GetString()!.Length >= 32);
        Assert.Contains("SELECT current_user, current_database()  →  adam | dbA", result.Stdout);
        Assert.Contains("jdbc:postgresql://127.0.0.1:", result.Stdout);
        Assert.Contains("error: AccessDenied: User: arn:aws:iam::", result.Stdout);
        Assert.Contains("DENIED implicitly", result.Stdout);
        Assert.Matches("arn:aws:iam::\\d{12}:user/adam → adam in dbA as IAM:adam", result.Stdout);
        Assert.Matches("redshift:GetClusterCredentials +denied", result.Stdout);
        // Nothing left behind.
        var directory = Regex.Match(result.Stdout, "stopped and deleted (\\S+)").Groups[1].Value;
        Assert.False(Directory.Exists(directory), $"{directory} was deleted");
        Assert.Empty(result.Stderr);
    }
}
