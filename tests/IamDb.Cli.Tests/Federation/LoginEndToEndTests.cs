using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Client.Query;
using IamDb.Testing;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// <c>iamdb login --device</c> end to end, headless: oidc-provider on loopback HTTPS registered at a real broker with
/// <c>CreateOpenIDConnectProvider</c> (by thumbprint), a role trusting it for the <c>iamdb</c> audience, the person
/// approving the code; then <c>iamdb connect</c> logs in to PostgreSQL with the cached session, and <c>logout</c> ends it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LoginEndToEndTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private BrokerKit _kit = null!;
    private OidcProviderProcess _provider = null!;
    private LoginDriver _driver = null!;
    private string _database = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _kit = await BrokerKit.StartAsync(postgres);
        _provider = await OidcProviderProcess.StartAsync(ct: TestContext.Current.CancellationToken);
        _driver = new LoginDriver(_kit, _provider);
        (var cluster, _database) = await _kit.AddClusterAsync();

        var hostAndPort = _provider.Issuer.Authority;
        var created = await _kit.IamAsync("CreateOpenIDConnectProvider",
            ("Url", _provider.IssuerText), ("ClientIDList.member.1", _provider.ClientId), ("ThumbprintList.member.1", _provider.Thumbprint));
        var providerArn = created.Result.Text("OpenIDConnectProviderArn")!;
        var trust = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{providerArn}}"},
              "Action":"sts:AssumeRoleWithWebIdentity",
              "Condition":{"StringEquals":{"{{hostAndPort}}:aud":"{{_provider.ClientId}}"} } }]}
            """;
        var role = await _kit.IamAsync("CreateRole", ("RoleName", "analyst"), ("AssumeRolePolicyDocument", trust));
        await _kit.IamAsync("PutRolePolicy", ("RoleName", "analyst"), ("PolicyName", "db"), ("PolicyDocument",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser","redshift:DescribeClusters","redshift:DescribeClusterCertificate"],"Resource":"*"}]}"""));
        var add = await _kit.Cli.RunAsync("env", "add", "sso", "--endpoint-url", _kit.Endpoint, "--cluster", cluster, "--db-name", _database,
            "--db-user", "sso_analyst", "--auto-create", "--oidc-issuer", _provider.IssuerText, "--oidc-client-id", _provider.ClientId,
            "--role-arn", role.Result.Text("Role", "Arn")!, "--ca-bundle", _provider.CertificateFile);
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _kit.DisposeAsync();
    }

    [Fact]
    public async Task LoginDevice_ThenConnect_AsTheDatabaseUser_ThenLogout()
    {
        var login = await _driver.LoginDeviceAsync("sso", "alice");

        Assert.True(login.ExitCode == ExitCodes.Ok, login.ToString());
        Assert.Contains("Logged in to sso as arn:aws:sts::", login.Stdout);
        Assert.Contains(":assumed-role/analyst/alice", login.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_driver.SessionFile));
        LoginDriver.AssertNoTokenPrinted(login);

        var connect = await _kit.Cli.RunAsync("connect", "sso", "--", "-X", "-A", "-t", "-c", "select current_user || '|' || current_database()");
        Assert.True(connect.ExitCode == 0, connect.ToString());
        Assert.Equal($"sso_analyst|{_database}", connect.Stdout.Trim());

        var logout = await _kit.Cli.RunAsync("logout", "sso");
        Assert.True(logout.ExitCode == ExitCodes.Ok, logout.ToString());
        var after = await _kit.Cli.RunAsync("url", "sso", "--no-cache");
        Assert.Equal(ExitCodes.Failure, after.ExitCode);
        Assert.Contains("iamdb login sso", after.Stderr);
    }
}
