using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Login;

/// <summary>The endpoints of an OpenID Connect provider, from its discovery document.</summary>
internal sealed record OidcEndpoints(string Issuer, Uri TokenEndpoint, Uri? AuthorizationEndpoint, Uri? DeviceAuthorizationEndpoint);

/// <summary>What the provider's token endpoint answered: the ID token (a secret: never printed) and its claims.</summary>
internal sealed record OidcSignIn(string IdToken, IdTokenClaims Claims);

/// <summary>What a device authorization answered (RFC 8628 3.2).</summary>
internal sealed record DeviceAuthorization(string DeviceCode, string UserCode, Uri VerificationUri, Uri? VerificationUriComplete, TimeSpan ExpiresIn, TimeSpan Interval);

/// <summary>
/// A public OpenID Connect client (no secret) as a command-line program is one (RFC 8252): discovery, the device flow
/// (RFC 8628) and the authorization code flow with PKCE (RFC 7636) on a loopback redirect. It asks for scope
/// <c>openid</c> plus what the caller adds and returns the ID token; tokens are never logged or put in messages.
/// </summary>
internal sealed class OidcClient(HttpClient http, string issuer, string clientId, TimeProvider time)
{
    private const int MaxLoopbackRequests = 20;
    private static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(60);

    /// <summary>The issuer as configured (no trailing slash).</summary>
    public string Issuer { get; } = issuer.TrimEnd('/');

    /// <summary>The client id (the ID token's audience).</summary>
    public string ClientId { get; } = clientId;

    /// <summary>Reads <c>ISSUER/.well-known/openid-configuration</c>; its <c>issuer</c> must be the one configured.</summary>
    public async Task<OidcEndpoints> DiscoverAsync(CancellationToken ct)
    {
        var url = new Uri(Issuer + "/.well-known/openid-configuration");
        using var document = await GetJsonAsync(url, ct);
        var root = document.RootElement;
        var announced = String(root, "issuer")?.TrimEnd('/');
        if (announced != Issuer)
        {
            throw new CliException($"{url} names issuer '{announced}', not the configured '{Issuer}': check the environment's --oidc-issuer.");
        }

        var token = Url(root, "token_endpoint") ?? throw new CliException($"{url} has no token_endpoint.");
        return new OidcEndpoints(Issuer, token, Url(root, "authorization_endpoint"), Url(root, "device_authorization_endpoint"));
    }

    /// <summary>Starts a device authorization (RFC 8628 3.1).</summary>
    public async Task<DeviceAuthorization> StartDeviceAsync(OidcEndpoints endpoints, string scope, CancellationToken ct)
    {
        var endpoint = endpoints.DeviceAuthorizationEndpoint
            ?? throw new CliException($"the identity provider {Issuer} does not offer the device flow (no device_authorization_endpoint); sign in without --device.");
        using var document = await PostFormAsync(endpoint, [new("client_id", ClientId), new("scope", scope)], ct);
        var root = document.RootElement;
        if (String(root, "error") is { } error)
        {
            throw new CliException($"the identity provider refused the device authorization: {error}{Describe(root)}");
        }

        var deviceCode = String(root, "device_code") ?? throw new CliException("the device authorization answer has no device_code.");
        var userCode = String(root, "user_code") ?? throw new CliException("the device authorization answer has no user_code.");
        var verification = Url(root, "verification_uri") ?? Url(root, "verification_url")
            ?? throw new CliException("the device authorization answer has no verification_uri.");
        var expires = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(10);
        // RFC 8628 3.2: 5 seconds when the provider names no interval.
        var interval = root.TryGetProperty("interval", out var i) && i.TryGetInt32(out var every) && every > 0 ? TimeSpan.FromSeconds(every) : TimeSpan.FromSeconds(5);
        return new DeviceAuthorization(deviceCode, userCode, verification, Url(root, "verification_uri_complete"), expires, interval);
    }

    /// <summary>
    /// Polls the token endpoint (RFC 8628 3.4/3.5) every interval — five seconds more after each <c>slow_down</c> — until
    /// the person approved (the ID token), denied (<c>access_denied</c>) or the code expired.
    /// </summary>
    public async Task<OidcSignIn> PollDeviceAsync(OidcEndpoints endpoints, DeviceAuthorization device, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + device.ExpiresIn;
        var interval = device.Interval;
        while (true)
        {
            await Task.Delay(interval, time, ct);
            if (time.GetUtcNow() > deadline)
            {
                throw new CliException("the sign-in code expired before it was approved; run iamdb login again.");
            }

            using var document = await PostFormAsync(
                endpoints.TokenEndpoint,
                [new("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), new("device_code", device.DeviceCode), new("client_id", ClientId)],
                ct);
            var root = document.RootElement;
            switch (String(root, "error"))
            {
                case null:
                    return SignedIn(root, expectedNonce: null);
                case "authorization_pending":
                    continue;
                case "slow_down":
                    interval = interval + TimeSpan.FromSeconds(5) < MaxInterval ? interval + TimeSpan.FromSeconds(5) : MaxInterval;
                    continue;
                case "expired_token":
                    throw new CliException("the sign-in code expired before it was approved; run iamdb login again.");
                case "access_denied":
                    throw new CliException("the sign-in was denied at the identity provider.");
                case { } other:
                    throw new CliException($"the identity provider refused the sign-in: {other}{Describe(root)}");
            }
        }
    }

    /// <summary>
    /// The authorization code flow with PKCE on <c>http://127.0.0.1:PORT/callback</c> (RFC 8252 7.3): listens on an
    /// ephemeral loopback port, hands the authorization URL to <paramref name="open"/> (which shows it and may start a
    /// browser), takes the one redirect whose <c>state</c> matches, and redeems the code. Waits at most
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<OidcSignIn> SignInWithBrowserAsync(OidcEndpoints endpoints, string scope, Func<Uri, Task> open, TimeSpan timeout, CancellationToken ct)
    {
        var authorize = endpoints.AuthorizationEndpoint
            ?? throw new CliException($"the identity provider {Issuer} has no authorization_endpoint; try --device.");
        var verifier = RandomText(32);
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = RandomText(16);
        var nonce = RandomText(16);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var redirect = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/callback";
        var query = string.Join('&', new (string Key, string Value)[]
        {
            ("response_type", "code"), ("client_id", ClientId), ("redirect_uri", redirect), ("scope", scope),
            ("state", state), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        }.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
        var url = new Uri(authorize + (authorize.Query.Length > 0 ? "&" : "?") + query);

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        await open(url);
        string code;
        try
        {
            code = await ReceiveCodeAsync(listener, state, wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Seconds, as --timeout gives them (a short timeout must not read "within 0 minutes").
            throw new CliException(
                $"the sign-in did not finish within {timeout.TotalSeconds:0} seconds; run iamdb login again (or use --device where no browser can reach this machine).");
        }

        using var document = await PostFormAsync(
            endpoints.TokenEndpoint,
            [new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", redirect), new("client_id", ClientId), new("code_verifier", verifier)],
            ct);
        var root = document.RootElement;
        if (String(root, "error") is { } error)
        {
            throw new CliException($"the identity provider refused the authorization code: {error}{Describe(root)}");
        }

        return SignedIn(root, nonce);
    }

    // Answers loopback requests until the callback with our state arrives: other paths (a browser's favicon) get 404,
    // a callback with another state is refused and ignored (it is not ours), an error is reported.
    private static async Task<string> ReceiveCodeAsync(TcpListener listener, string state, CancellationToken ct)
    {
        for (var i = 0; i < MaxLoopbackRequests; i++)
        {
            using var client = await listener.AcceptTcpClientAsync(ct);
            var stream = client.GetStream();
            var target = await ReadRequestTargetAsync(stream, ct);
            if (target is null || !target.StartsWith("/callback", StringComparison.Ordinal))
            {
                await RespondAsync(stream, HttpStatusCode.NotFound, "Not found.", ct);
                continue;
            }

            var parameters = ParseQuery(target);
            if (!parameters.TryGetValue("state", out var returned) || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(returned), Encoding.UTF8.GetBytes(state)))
            {
                await RespondAsync(stream, HttpStatusCode.BadRequest, "This sign-in does not belong to the waiting iamdb login (state does not match).", ct);
                continue;
            }

            if (parameters.TryGetValue("error", out var error))
            {
                await RespondAsync(stream, HttpStatusCode.OK, "The sign-in failed; see the terminal.", ct);
                var description = parameters.TryGetValue("error_description", out var d) ? ": " + d : string.Empty;
                throw new CliException(error == "access_denied"
                    ? "the sign-in was denied at the identity provider."
                    : $"the identity provider refused the sign-in: {error}{description}");
            }

            if (!parameters.TryGetValue("code", out var code) || code.Length == 0)
            {
                await RespondAsync(stream, HttpStatusCode.BadRequest, "The redirect has no authorization code.", ct);
                throw new CliException("the identity provider redirected back without an authorization code.");
            }

            await RespondAsync(stream, HttpStatusCode.OK, "Signed in. You can close this window and return to the terminal.", ct);
            return code;
        }

        throw new CliException($"the loopback redirect got {MaxLoopbackRequests} requests without a sign-in; run iamdb login again.");
    }

    private static async Task<string?> ReadRequestTargetAsync(NetworkStream stream, CancellationToken ct)
    {
        // The request line and headers only (a GET has no body); bounded so a stray client cannot make it grow.
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var text = Encoding.ASCII.GetString(buffer, 0, length);
        var line = text.Split("\r\n", 2)[0].Split(' ');
        return line.Length >= 2 && line[0] == "GET" ? line[1] : null;
    }

    private static async Task RespondAsync(NetworkStream stream, HttpStatusCode status, string message, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes($"<!DOCTYPE html><html><head><title>iamdb login</title></head><body><p>{WebUtility.HtmlEncode(message)}</p></body></html>");
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {(int)status} {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head, ct);
        await stream.WriteAsync(body, ct);
        await stream.FlushAsync(ct);
    }

    private static Dictionary<string, string> ParseQuery(string target)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var q = target.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return result;
        }

        foreach (var pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0].Replace('+', ' '));
            // A repeated parameter is suspicious: keep the first, as most servers do.
            result.TryAdd(key, parts.Length == 2 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : string.Empty);
        }

        return result;
    }

    private OidcSignIn SignedIn(JsonElement root, string? expectedNonce)
    {
        var idToken = String(root, "id_token")
            ?? throw new CliException("the identity provider answered without an ID token: is `openid` among the client's allowed scopes?");
        var claims = IdTokenClaims.Parse(idToken);
        claims.Check(Issuer, ClientId, expectedNonce, time.GetUtcNow());
        return new OidcSignIn(idToken, claims);
    }

    private async Task<JsonDocument> GetJsonAsync(Uri url, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(url, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"{url} answered HTTP {(int)response.StatusCode}: is --oidc-issuer right?");
            }

            return await ReadJsonAsync(response, url, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the identity provider at {url}: {e.Message}");
        }
    }

    private async Task<JsonDocument> PostFormAsync(Uri url, List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        try
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await http.PostAsync(url, content, ct);
            // OAuth errors come as 400/401 with a JSON body; anything else without JSON is a transport problem.
            return await ReadJsonAsync(response, url, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the identity provider at {url}: {e.Message}");
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, Uri url, CancellationToken ct)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        try
        {
            var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new JsonException("not an object");
            }

            return document;
        }
        catch (JsonException)
        {
            throw new CliException($"{url} answered HTTP {(int)response.StatusCode} without the JSON an OpenID provider sends.");
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Uri? Url(JsonElement root, string name) =>
        String(root, name) is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null;

    private static string Describe(JsonElement root) => String(root, "error_description") is { } d ? ": " + d : string.Empty;

    private static string RandomText(int bytes) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
