using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Testing;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// The built <c>iamdb</c> with <c>env add --oidc-*</c>, <c>login</c>, <c>logout</c>, and <c>url</c> on an environment
/// that signs in through an identity provider; the device flow headless against oidc-provider, the test playing the person.
/// </summary>
public sealed partial class LoginCommandTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::000000000000:role/analyst";
    private BrokerKit _kit = null!;
    private OidcProviderProcess _provider = null!;

    public async ValueTask InitializeAsync()
    {
        _kit = await BrokerKit.StartAsync(postgres);
        _provider = await OidcProviderProcess.StartAsync(ct: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _kit.DisposeAsync();
    }

    [Fact]
    public async Task EnvAdd_OnlySomeOidcSettings_UsageErrorNamingAllThree()
    {
        var result = await _kit.Cli.RunAsync("env", "add", "sso", "--endpoint-url", _kit.Endpoint, "--cluster", "c1", "--db-user", "u",
            "--oidc-issuer", _provider.IssuerText);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--oidc-client-id", result.Stderr);
        Assert.Contains("--role-arn", result.Stderr);
    }

    [Fact]
    public async Task EnvAdd_OidcSettings_SavedAndListed()
    {
        await AddEnvironmentAsync();

        var list = await _kit.Cli.RunAsync("env", "list", "--output", "json");

        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        Assert.Contains($"\"OidcIssuer\": \"{_provider.IssuerText}\"", list.Stdout);
        Assert.Contains($"\"RoleArn\": \"{RoleArn}\"", list.Stdout);
        Assert.Contains("oidc_client_id = \"iamdb\"", await File.ReadAllTextAsync(_kit.Cli.ConfigPath, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Url_OidcEnvironmentWithoutSession_SaysToLogIn()
    {
        await AddEnvironmentAsync();

        var result = await _kit.Cli.RunAsync("url", "sso");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("iamdb login sso", result.Stderr);
    }

    [Fact]
    public async Task Login_EnvironmentWithoutIdentityProvider_UsageError()
    {
        var add = await _kit.Cli.RunAsync("env", "add", "plain", "--endpoint-url", _kit.Endpoint, "--cluster", "c1", "--db-user", "u");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());

        var result = await _kit.Cli.RunAsync("login", "plain", "--device");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--oidc-issuer", result.Stderr);
    }

    [Fact]
    public async Task Logout_NoSession_NothingToForget()
    {
        var result = await _kit.Cli.RunAsync("logout", "sso");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("nothing to forget", result.Stdout);
    }

    [Fact]
    public async Task LoginDevice_BrokerKnowsNoSuchProvider_RefusedAndNothingCached()
    {
        await AddEnvironmentAsync();

        var (result, subject) = await LoginDeviceAsync("alice");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Equal("alice", subject);
        Assert.Contains("refused the sign-in of alice", result.Stderr);
        Assert.Contains("InvalidIdentityToken", result.Stderr);
        Assert.False(File.Exists(SessionFile), "a refused login cached a session");
        AssertNoTokenPrinted(result);
    }

    private string SessionFile => Path.Combine(_kit.Cli.Directory, ".cache", "iamdb", "login-sessions.json");

    private async Task AddEnvironmentAsync()
    {
        var add = await _kit.Cli.RunAsync("env", "add", "sso", "--endpoint-url", _kit.Endpoint, "--cluster", "c1", "--db-user", "IAMR:analyst",
            "--oidc-issuer", _provider.IssuerText, "--oidc-client-id", _provider.ClientId, "--role-arn", RoleArn, "--ca-bundle", _provider.CertificateFile);
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
    }

    // Runs `iamdb login --device sso`, reads the code it prints and approves it as `login`; returns the run and the
    // login name the provider was given.
    private async Task<(CliResult Result, string Subject)> LoginDeviceAsync(string login)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "iamdb.dll"), "login", "sso", "--device", "--timeout", "120"])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in _kit.Cli.Environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = new StringBuilder();
        Match? prompt = null;
        while (await process.StandardError.ReadLineAsync(ct) is { } line)
        {
            stderr.AppendLine(line);
            prompt = DevicePrompt().Match(line);
            if (prompt.Success)
            {
                break;
            }
        }

        Assert.True(prompt?.Success == true, "iamdb login printed no code:\n" + stderr);
        using (var person = new OidcTestUser(_provider, login))
        {
            await person.ApproveDeviceAsync(new Uri(prompt!.Groups[1].Value), prompt.Groups[2].Value, ct: ct);
        }

        stderr.Append(await process.StandardError.ReadToEndAsync(ct));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (new CliResult(process.ExitCode, await stdout, stderr.ToString()), login);
    }

    private static void AssertNoTokenPrinted(CliResult result)
    {
        // A JWT (three base64url parts starting with eyJ) or a session token must never appear.
        Assert.DoesNotMatch("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.", result.Stdout + result.Stderr);
    }

    [GeneratedRegex("open (https://\\S+) on any device and enter the code: (\\S+)")]
    private static partial Regex DevicePrompt();
}
