using IamDb.Cli.Output;

namespace IamDb.Cli.Tests.Commands.Usage;

/// <summary>Every way of holding the command wrong exits 2 with a message that says what to do.</summary>
public class UsageErrorTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("Required command was not provided", "iamdb env --help", "env")]
    [InlineData("Unrecognized command or argument 'frobnicate'", "iamdb --help", "frobnicate")]
    [InlineData("Option '--db-user' is required", "iamdb env add --help", "env", "add", "x", "--cluster", "c")]
    [InlineData("Unrecognized command or argument '--no-such-option'", "iamdb selfcheck --help", "selfcheck", "--no-such-option")]
    [InlineData("'yaml'", "iamdb env list --help", "env", "list", "--output", "yaml")]
    [InlineData("not a policy kind", "iamdb policy lint --help", "policy", "lint", "--kind", "acl", "x.json")]
    [InlineData("Option '--principal' is required", "iamdb policy simulate --help", "policy", "simulate", "--action", "iam:GetUser")]
    [InlineData("Option '--cluster' is required", "iamdb policy generate --help", "policy", "generate", "--db-user", "adam")]
    public async Task ParseError_ExitsTwoWithTheErrorAndWhereHelpIs(string error, string help, params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains(error, result.Stderr);
        Assert.Contains($"See '{help}'", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("--endpoint-url URL (an IamDb broker) or --region R", "env", "add", "x", "--cluster", "c", "--db-user", "u")]
    [InlineData("cannot name an environment", "env", "add", "bad name", "--region", "r", "--cluster", "c", "--db-user", "u")]
    [InlineData("--duration must be from 900 to 3600", "env", "add", "x", "--region", "r", "--cluster", "c", "--db-user", "u", "--duration", "60")]
    [InlineData("must be an http:// or https:// URL", "env", "add", "x", "--endpoint-url", "ftp://h", "--cluster", "c", "--db-user", "u")]
    [InlineData("say which database user", "policy", "generate", "--cluster", "c")]
    [InlineData("leave out --db-user", "policy", "generate", "--cluster", "c", "--db-user", "u", "--bind-to-username")]
    [InlineData("--account must be a 12-digit account id", "policy", "generate", "--cluster", "c", "--db-user", "u", "--account", "12")]
    [InlineData("is not a name", "policy", "generate", "--cluster", "c", "--db-user", "adm*")]
    [InlineData("say which credentials", "get-cluster-credentials", "--endpoint-url", "http://127.0.0.1:9")]
    [InlineData("--duration-seconds must be from 900 to 3600", "get-cluster-credentials", "--endpoint-url", "http://127.0.0.1:9", "--cluster-identifier", "c", "--db-user", "u", "--duration-seconds", "5")]
    [InlineData("--context wants KEY=VALUE", "policy", "simulate", "--principal", "adam", "--action", "iam:GetUser", "--context", "novalue", "--endpoint-url", "http://127.0.0.1:9")]
    [InlineData("no broker to talk to", "get-cluster-credentials", "--cluster-identifier", "c", "--db-user", "u")]
    public async Task SemanticUsageError_ExitsTwoWithAnActionableMessage(string message, params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.StartsWith("error: ", result.Stderr);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task UnreachableEndpoint_IsAFailureWithoutAStackTrace()
    {
        _cli.Environment["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE";
        _cli.Environment["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        var result = await _cli.RunAsync("get-cluster-credentials", "--endpoint-url", "http://127.0.0.1:9", "--cluster-identifier", "c", "--db-user", "u");

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.StartsWith("error: ", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
