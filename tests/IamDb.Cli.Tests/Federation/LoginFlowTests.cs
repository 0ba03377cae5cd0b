using System.Text.Json;
using IamDb.Cli.Commands.Login;
using IamDb.Cli.Output;
using IamDb.Client.Tls;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// <c>iamdb login</c>'s OpenID Connect client against a real identity provider (npm's oidc-provider on loopback HTTPS
/// with a self-signed certificate, trusted as the environment's CA bundle): the device flow and the authorization code
/// flow with PKCE on a loopback redirect, the test playing the person at the browser.
/// </summary>
public sealed class LoginFlowTests : IAsyncLifetime
{
    private OidcProviderProcess _provider = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _provider = await OidcProviderProcess.StartAsync(
            new OidcProviderProcess.Options { Accounts = new Dictionary<string, string[]> { ["alice"] = ["readers", "writers"] } },
            TestContext.Current.CancellationToken);
        _http = HttpFor(_provider);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task DeviceFlow_PersonApprovesElsewhere_IdTokenForThatPerson()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new OidcClient(_http, _provider.IssuerText, _provider.ClientId, TimeProvider.System);
        var endpoints = await client.DiscoverAsync(ct);
        var device = await client.StartDeviceAsync(endpoints, "openid groups", ct);
        Assert.Equal(TimeSpan.FromSeconds(1), device.Interval);

        var polling = client.PollDeviceAsync(endpoints, device, ct);
        using (var person = new OidcTestUser(_provider, "alice"))
        {
            await person.ApproveDeviceAsync(device.VerificationUri, device.UserCode, ct: ct);
        }

        var signIn = await polling;
        Assert.Equal("alice", signIn.Claims.Subject);
        Assert.Equal(_provider.IssuerText, signIn.Claims.Issuer);
        Assert.Contains(_provider.ClientId, signIn.Claims.Audience);
        Assert.Equal(["readers", "writers"], Groups(signIn.IdToken));
    }

    [Fact]
    public async Task DeviceFlow_ProviderSaysSlowDown_PollsSlowerAndStillSignsIn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var provider = await OidcProviderProcess.StartAsync(new OidcProviderProcess.Options { SlowDowns = 1 }, ct);
        using var http = HttpFor(provider);
        var client = new OidcClient(http, provider.IssuerText, provider.ClientId, TimeProvider.System);
        var endpoints = await client.DiscoverAsync(ct);
        var device = await client.StartDeviceAsync(endpoints, "openid", ct);
        var started = DateTimeOffset.UtcNow;

        var polling = client.PollDeviceAsync(endpoints, device, ct);
        using (var person = new OidcTestUser(provider, "bob"))
        {
            await person.ApproveDeviceAsync(device.VerificationUri, device.UserCode, ct: ct);
        }

        var signIn = await polling;
        Assert.Equal("bob", signIn.Claims.Subject);
        // The first poll (after 1 s) was answered slow_down: the next came 1 + 5 s later, not 1 s.
        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(6), "the client did not slow down after slow_down");
    }

    [Fact]
    public async Task DeviceFlow_PersonDenies_AccessDeniedMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new OidcClient(_http, _provider.IssuerText, _provider.ClientId, TimeProvider.System);
        var endpoints = await client.DiscoverAsync(ct);
        var device = await client.StartDeviceAsync(endpoints, "openid", ct);

        var polling = client.PollDeviceAsync(endpoints, device, ct);
        using (var person = new OidcTestUser(_provider, "mallory"))
        {
            await person.ApproveDeviceAsync(device.VerificationUri, device.UserCode, deny: true, ct: ct);
        }

        var error = await Assert.ThrowsAsync<CliException>(() => polling);
        Assert.Contains("denied", error.Message);
    }

    [Fact]
    public async Task BrowserFlow_PkceOnLoopbackRedirect_IdTokenWithOurNonce()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new OidcClient(_http, _provider.IssuerText, _provider.ClientId, TimeProvider.System);
        var endpoints = await client.DiscoverAsync(ct);
        using var person = new OidcTestUser(_provider, "alice");
        Task<(Uri Callback, System.Net.HttpStatusCode Status, string Body)>? browsing = null;
        Uri? shown = null;

        var signIn = await client.SignInWithBrowserAsync(endpoints, "openid", url =>
        {
            shown = url;
            browsing = person.SignInAsync(url, ct);
            return Task.CompletedTask;
        }, TimeSpan.FromMinutes(1), ct);

        var (callback, status, body) = await browsing!;
        Assert.Equal("127.0.0.1", callback.Host);
        Assert.Equal("/callback", callback.AbsolutePath);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Contains("Signed in", body);
        Assert.Contains("code_challenge_method=S256", shown!.Query);
        Assert.Equal("alice", signIn.Claims.Subject);
        Assert.NotNull(signIn.Claims.Nonce);
        Assert.Contains("nonce=" + signIn.Claims.Nonce, shown.Query);
    }

    [Fact]
    public async Task BrowserFlow_ForeignStateOnTheCallback_IgnoredUntilTheRealOneArrives()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new OidcClient(_http, _provider.IssuerText, _provider.ClientId, TimeProvider.System);
        var endpoints = await client.DiscoverAsync(ct);
        using var person = new OidcTestUser(_provider, "alice");
        Task<(Uri Callback, System.Net.HttpStatusCode Status, string Body)>? browsing = null;
        Task<HttpResponseMessage>? forged = null;
        using var plain = new HttpClient();

        var signIn = await client.SignInWithBrowserAsync(endpoints, "openid", url =>
        {
            // Another page (an attacker's) sends the loopback listener a code with its own state first.
            var redirect = System.Web.HttpUtility.ParseQueryString(url.Query)["redirect_uri"]!;
            forged = plain.GetAsync(redirect + "?code=attacker&state=forged", ct);
            browsing = person.SignInAsync(url, ct);
            return Task.CompletedTask;
        }, TimeSpan.FromMinutes(1), ct);

        await browsing!;
        using var refused = await forged!;
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("alice", signIn.Claims.Subject);
    }

    [Fact]
    public async Task BrowserFlow_NobodySignsIn_TimeoutInSeconds_AndTheListenerIsClosed()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new OidcClient(_http, _provider.IssuerText, _provider.ClientId, TimeProvider.System);
        var endpoints = await client.DiscoverAsync(ct);
        Uri? redirect = null;

        var error = await Assert.ThrowsAsync<CliException>(() => client.SignInWithBrowserAsync(endpoints, "openid", url =>
        {
            redirect = new Uri(System.Web.HttpUtility.ParseQueryString(url.Query)["redirect_uri"]!);
            return Task.CompletedTask;
        }, TimeSpan.FromSeconds(2), ct));

        Assert.Equal("the sign-in did not finish within 2 seconds; run iamdb login again (or use --device where no browser can reach this machine).", error.Message);
        using var probe = new System.Net.Sockets.TcpClient();
        var refused = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", redirect!.Port, ct).AsTask());
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Discovery_IssuerDiffers_RefusedWithTheReason()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new OidcClient(_http, _provider.IssuerText + "/other", _provider.ClientId, TimeProvider.System);

        var error = await Assert.ThrowsAsync<CliException>(() => client.DiscoverAsync(ct));

        Assert.Contains("--oidc-issuer", error.Message);
    }

    [Fact]
    public void IdToken_WrongNonceOrAudienceOrIssuer_Refused()
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new IdTokenClaims("https://idp.test", ["iamdb"], "alice", now.AddMinutes(5), "n1", null);

        claims.Check("https://idp.test", "iamdb", "n1", now);
        Assert.Contains("nonce", Assert.Throws<CliException>(() => claims.Check("https://idp.test", "iamdb", "n2", now)).Message);
        Assert.Contains("audience", Assert.Throws<CliException>(() => claims.Check("https://idp.test", "other", "n1", now)).Message);
        Assert.Contains("issued by", Assert.Throws<CliException>(() => claims.Check("https://evil.test", "iamdb", "n1", now)).Message);
        Assert.Contains("expired", Assert.Throws<CliException>(() => claims.Check("https://idp.test", "iamdb", "n1", now.AddMinutes(10))).Message);
    }

    private static HttpClient HttpFor(OidcProviderProcess provider) =>
        new(new BrokerCertificateValidator(CaBundle.Load(provider.CertificateFile)).CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    private static string[] Groups(string idToken)
    {
        var payload = idToken.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload += new string('=', (4 - (payload.Length % 4)) % 4);
        using var document = JsonDocument.Parse(Convert.FromBase64String(payload));
        return [.. document.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!)];
    }
}
