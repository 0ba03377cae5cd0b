using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Tls;
using Spectre.Console;

namespace IamDb.Cli.Commands.Login;

/// <summary>
/// <c>iamdb login</c>: an ID token from the environment's identity provider (browser with PKCE, or the device flow),
/// exchanged at the environment's broker with <c>AssumeRoleWithWebIdentity</c>; the role session goes to
/// <see cref="LoginSessionCache"/>.
/// </summary>
internal static class LoginCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var env = EnvironmentLogin.Resolve(parseResult, parseResult.GetRequiredValue(LoginCommandDefinition.EnvironmentArgument));
        if (!env.UsesLogin)
        {
            throw new CliUsageException(
                $"environment {env.Name} has no identity provider to log in with: save one with `iamdb env add {env.Name} --replace ... "
                + "--oidc-issuer URL --oidc-client-id ID --role-arn ARN`.");
        }

        var timeout = parseResult.GetValue(LoginCommandDefinition.TimeoutOption);
        if (timeout is < 10 or > 3600)
        {
            throw new CliUsageException($"--timeout must be from 10 to 3600 seconds, not {timeout}.");
        }

        var caBundle = ServiceConnection.ResolveCaBundle(parseResult, env, env.Profile);
        var validator = new BrokerCertificateValidator(caBundle);
        using var http = new HttpClient(validator.CreateHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("iamdb-cli/1.0");
        var time = TimeProvider.System;
        var oidc = new OidcClient(http, env.OidcIssuer!, env.OidcClientId!, time);
        var scope = string.Join(' ', parseResult.GetValue(LoginCommandDefinition.ScopeOption)!
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "openid").Prepend("openid"));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeout));
        OidcSignIn signIn;
        try
        {
            var endpoints = await oidc.DiscoverAsync(deadline.Token);
            signIn = parseResult.GetValue(LoginCommandDefinition.DeviceOption)
                ? await DeviceAsync(oidc, endpoints, scope, context, deadline.Token)
                : await oidc.SignInWithBrowserAsync(
                    endpoints, scope, url => ShowAsync(url, !parseResult.GetValue(LoginCommandDefinition.NoBrowserOption), context), TimeSpan.FromSeconds(timeout), deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"the sign-in did not finish within {timeout} seconds; run iamdb login again.");
        }

        var (endpoint, region) = StsEndpoint(parseResult, env);
        var sessionName = SessionName(signIn.Claims);
        using var sts = new AwsQueryClient(AwsCredentialSource.Explicit("unsigned", "unsigned"), new AwsQueryClientOptions
        {
            UserAgent = "iamdb-cli/1.0",
            CaBundle = caBundle,
            UseAwsCaBundleSettings = false,
        });
        WebIdentitySession session;
        try
        {
            session = await WebIdentityExchange.AssumeRoleAsync(sts, endpoint, region, env.RoleArn!, sessionName, signIn.IdToken, null, ct);
        }
        catch (AwsServiceException e)
        {
            throw new CliException($"the broker refused the sign-in of {signIn.Claims.Subject} for role {env.RoleArn}: {e.Code}: {e.ErrorMessage}", AwsErrors.ExitCodeFor(e.Code));
        }

        var saved = new LoginSession(
            env.Name, env.EndpointUrl ?? string.Empty, env.OidcIssuer!, env.RoleArn!, session.AssumedRoleArn, signIn.Claims.Subject,
            session.Credentials.AccessKeyId, session.Credentials.SecretAccessKey, session.Credentials.SessionToken!, session.Expiration);
        var path = LoginSessionCache.DefaultPath();
        LoginSessionCache.Save(path, saved, time.GetUtcNow());

        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["Environment"] = env.Name,
                ["Subject"] = signIn.Claims.Subject,
                ["AssumedRoleArn"] = session.AssumedRoleArn,
                ["Expiration"] = session.Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["SessionCache"] = path,
            });
        }
        else
        {
            context.Console.MarkupLineInterpolated(
                $"Logged in to [bold]{env.Name}[/] as [bold]{session.AssumedRoleArn ?? env.RoleArn}[/] (subject {signIn.Claims.Subject}) until {session.Expiration.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}. `iamdb connect {env.Name}` and `iamdb url {env.Name}` use this session.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The STS endpoint: <c>--endpoint-url</c>, the environment's broker, <c>AWS_ENDPOINT_URL_STS</c>,
    /// <c>AWS_ENDPOINT_URL</c>, else AWS's for the region.
    /// </summary>
    internal static (Uri Endpoint, string Region) StsEndpoint(ParseResult parseResult, CliEnvironment env)
    {
        var region = parseResult.GetValue(GlobalOptions.RegionOption) ?? env.Region ?? WebIdentityExchange.Region(null);
        var text = parseResult.GetValue(GlobalOptions.EndpointUrlOption) ?? env.EndpointUrl;
        if (text is null)
        {
            try
            {
                return (WebIdentityExchange.Endpoint(null, region), region);
            }
            catch (AwsCredentialsException e)
            {
                throw new CliUsageException(e.Message);
            }
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? (uri, region)
            : throw new CliUsageException($"the endpoint must be an http:// or https:// URL, not '{text}'.");
    }

    /// <summary>The role session name: the token's email or subject in the characters STS allows (2–64 of <c>[\w+=,.@-]</c>).</summary>
    internal static string SessionName(IdTokenClaims claims)
    {
        var name = new StringBuilder();
        foreach (var c in claims.Email ?? claims.Subject)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || "_+=,.@-".Contains(c, StringComparison.Ordinal) ? c : '-');
            if (name.Length == 64)
            {
                break;
            }
        }

        return name.Length >= 2 ? name.ToString() : "iamdb-login";
    }

    private static async Task<OidcSignIn> DeviceAsync(OidcClient oidc, OidcEndpoints endpoints, string scope, CliContext context, CancellationToken ct)
    {
        var device = await oidc.StartDeviceAsync(endpoints, scope, ct);
        // The code goes to stderr, so `--output json` keeps stdout for the result.
        context.Error.WriteLine($"To sign in, open {device.VerificationUri} on any device and enter the code: {device.UserCode}");
        if (device.VerificationUriComplete is { } complete)
        {
            context.Error.WriteLine($"(or open {complete}, which has the code in it)");
        }

        context.Error.WriteLine($"Waiting for the sign-in (the code expires in {device.ExpiresIn.TotalMinutes:0} minutes)...");
        context.Error.Flush();
        return await oidc.PollDeviceAsync(endpoints, device, ct);
    }

    private static Task ShowAsync(Uri url, bool openBrowser, CliContext context)
    {
        context.Error.WriteLine("To sign in, open this address in a browser on this machine:");
        context.Error.WriteLine(url.AbsoluteUri);
        if (openBrowser && TryOpenBrowser(url))
        {
            context.Error.WriteLine("(a browser was opened with it)");
        }

        context.Error.WriteLine("Waiting for the sign-in...");
        context.Error.Flush();
        return Task.CompletedTask;
    }

    // $BROWSER (as many Unix tools honour it), else xdg-open / open; never waits for it, never fails the login.
    private static bool TryOpenBrowser(Uri url)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("BROWSER") is { Length: > 0 } browser)
        {
            candidates.AddRange(browser.Split(':', StringSplitOptions.RemoveEmptyEntries));
        }

        candidates.Add(OperatingSystem.IsMacOS() ? "open" : "xdg-open");
        foreach (var candidate in candidates)
        {
            var program = Path.IsPathRooted(candidate) ? candidate : OnPath(candidate);
            if (program is null)
            {
                continue;
            }

            try
            {
                var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                start.ArgumentList.Add(url.AbsoluteUri);
                using var process = Process.Start(start);
                return process is not null;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                // Try the next one; the URL is printed anyway.
            }
        }

        return false;
    }

    private static string? OnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
