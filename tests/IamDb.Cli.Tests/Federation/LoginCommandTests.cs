using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Testing;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// The built <c>iamdb</c> with <c>env add --oidc-*</c>, <c>login</c>, <c>logout</c>, and <c>url</c> on an environment
/// that signs in through an identity provider; the device flow headless against oidc-provider, the test playing the person.
/// </summary>
public sealed class LoginCommandTests(PostgresServerFixture postgres) : IAsyncLifetime
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

        var result = await new LoginDriver(_kit, _provider).LoginDeviceAsync("sso", "alice");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("refused the sign-in of alice", result.Stderr);
        Assert.Contains("InvalidIdentityToken", result.Stderr);
        Assert.False(File.Exists(SessionFile), "a refused login cached a session");
        LoginDriver.AssertNoTokenPrinted(result);
    }

    private string SessionFile => new LoginDriver(_kit, _provider).SessionFile;

    private async Task AddEnvironmentAsync()
    {
        var add = await _kit.Cli.RunAsync("env", "add", "sso", "--endpoint-url", _kit.Endpoint, "--cluster", "c1", "--db-user", "IAMR:analyst",
            "--oidc-issuer", _provider.IssuerText, "--oidc-client-id", _provider.ClientId, "--role-arn", RoleArn, "--ca-bundle", _provider.CertificateFile);
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
    }
}
