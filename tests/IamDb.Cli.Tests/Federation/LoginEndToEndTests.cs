using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Client.Query;
using IamDb.Testing;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// <c>iamdb login</c> end to end through the real <c>iamdb</c> process, headless: oidc-provider on loopback HTTPS
/// registered at a real broker with <c>CreateOpenIDConnectProvider</c> (by thumbprint), a role trusting it for the
/// <c>iamdb</c> audience, the person approving the device code or signing in on the pages the browser flow printed
/// (the provider's last redirect reaching iamdb's loopback listener); then <c>iamdb connect</c> / <c>iamdb url --check</c>
/// log in to PostgreSQL with the cached session and no AWS key in the environment, and <c>logout</c> ends it.
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

    [Fact]
    public async Task LoginBrowser_ThroughTheLoopbackRedirect_ThenConnectAndUrlCheck_ThenLogout()
    {
        Uri? callback = null;
        var callbackStatus = System.Net.HttpStatusCode.InternalServerError;
        var callbackPage = string.Empty;

        var login = await _driver.LoginBrowserAsync("sso", "carol", callbackAnswered: (uri, status, body) => (callback, callbackStatus, callbackPage) = (uri, status, body));

        Assert.True(login.ExitCode == ExitCodes.Ok, login.ToString());
        Assert.Equal("127.0.0.1", callback!.Host);
        Assert.Equal("/callback", callback.AbsolutePath);
        Assert.Equal(System.Net.HttpStatusCode.OK, callbackStatus);
        Assert.Contains("Signed in", callbackPage);
        Assert.Contains(":assumed-role/analyst/carol", login.Stdout);
        Assert.Contains("(subject carol)", login.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_driver.SessionFile));
        LoginDriver.AssertNoTokenPrinted(login);
        // The cache holds the role session, never the identity provider's ID token.
        Assert.DoesNotMatch("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.", await File.ReadAllTextAsync(_driver.SessionFile, TestContext.Current.CancellationToken));
        Assert.DoesNotContain(_kit.Cli.Environment.Keys, k => k.StartsWith("AWS_", StringComparison.Ordinal));

        var connect = await _kit.Cli.RunAsync("connect", "sso", "--", "-X", "-A", "-t", "-c", "select current_user || '|' || current_database()");
        Assert.True(connect.ExitCode == 0, connect.ToString());
        Assert.Equal($"sso_analyst|{_database}", connect.Stdout.Trim());

        var check = await _kit.Cli.RunAsync("url", "sso", "--check", "--no-cache");
        Assert.True(check.ExitCode == ExitCodes.Ok, check.ToString());
        Assert.True(check.Stderr.Contains("login ok: IAMA:sso_analyst:", StringComparison.Ordinal), check.ToString());

        var logout = await _kit.Cli.RunAsync("logout", "sso");
        Assert.True(logout.ExitCode == ExitCodes.Ok, logout.ToString());
        var after = await _kit.Cli.RunAsync("connect", "sso", "--", "-X", "-A", "-t", "-c", "select 1");
        Assert.Equal(ExitCodes.Failure, after.ExitCode);
        Assert.Contains("run `iamdb login sso` first", after.Stderr);
    }

    [Fact]
    public async Task LoginBrowser_NotFinishedWithinTimeout_ClearMessage_NonZeroExit_ListenerClosed()
    {
        Uri? redirect = null;

        var login = await _driver.LoginBrowserAsync("sso", login: null, timeoutSeconds: 10, whileWaiting: async (url, ct) =>
        {
            // The listener is there while the sign-in is awaited: a stray request (a browser's favicon) gets a 404.
            redirect = LoginDriver.RedirectOf(url);
            using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var stray = await plain.GetAsync(new Uri(redirect, "/favicon.ico"), ct);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, stray.StatusCode);
        });

        Assert.Equal(ExitCodes.Failure, login.ExitCode);
        Assert.Contains("did not finish within 10 seconds; run iamdb login again", login.Stderr);
        Assert.False(File.Exists(_driver.SessionFile), "a timed-out login left a session file");
        using var probe = new System.Net.Sockets.TcpClient();
        var refused = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", redirect!.Port, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);

        var connect = await _kit.Cli.RunAsync("url", "sso", "--no-cache");
        Assert.Equal(ExitCodes.Failure, connect.ExitCode);
        Assert.Contains("iamdb login sso", connect.Stderr);
    }
}
