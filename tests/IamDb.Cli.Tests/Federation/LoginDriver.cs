using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using IamDb.Cli.Tests.Broker;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// Runs the built <c>iamdb login ENV</c> as a process with the kit's environment, reads what it prints on stderr (the
/// device flow's code, or the browser flow's sign-in address), and acts at the identity provider as a person would
/// (headless).
/// </summary>
internal sealed partial class LoginDriver(BrokerKit kit, OidcProviderProcess provider)
{
    /// <summary>Where the CLI process keeps its login sessions (its HOME is the kit's directory).</summary>
    public string SessionFile => Path.Combine(kit.Cli.Directory, ".cache", "iamdb", "login-sessions.json");

    /// <summary>Runs the login for <paramref name="environment"/> with <c>--device</c>, approving the code as <paramref name="login"/>.</summary>
    public Task<CliResult> LoginDeviceAsync(string environment, string login) =>
        RunAsync(["login", environment, "--device", "--timeout", "120"], DevicePrompt(), async (prompt, ct) =>
        {
            using var person = new OidcTestUser(provider, login);
            await person.ApproveDeviceAsync(new Uri(prompt.Groups[1].Value), prompt.Groups[2].Value, ct: ct);
        });

    /// <summary>
    /// Runs the browser login for <paramref name="environment"/> (<c>--no-browser</c>: it only prints the address), and
    /// when <paramref name="login"/> is given, signs in there as that person and consents; the provider's last redirect
    /// goes to the process's loopback listener. <paramref name="whileWaiting"/> sees the printed address before that.
    /// </summary>
    public Task<CliResult> LoginBrowserAsync(
        string environment, string? login, int timeoutSeconds = 120, Func<Uri, CancellationToken, Task>? whileWaiting = null,
        Action<Uri, System.Net.HttpStatusCode, string>? callbackAnswered = null) =>
        RunAsync(["login", environment, "--no-browser", "--timeout", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)], BrowserPrompt(), async (prompt, ct) =>
        {
            var url = new Uri(prompt.Groups[1].Value);
            if (whileWaiting is not null)
            {
                await whileWaiting(url, ct);
            }

            if (login is not null)
            {
                using var person = new OidcTestUser(provider, login);
                var (callback, status, body) = await person.SignInAsync(url, ct);
                callbackAnswered?.Invoke(callback, status, body);
            }
        });

    /// <summary>Neither an ID token (a JWT: three base64url parts starting with eyJ) nor any other JWT was printed.</summary>
    public static void AssertNoTokenPrinted(CliResult result) =>
        Assert.DoesNotMatch("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.", result.Stdout + result.Stderr);

    /// <summary>The loopback redirect the authorization URL names (<c>http://127.0.0.1:PORT/callback</c>).</summary>
    public static Uri RedirectOf(Uri authorizationUrl) =>
        new(System.Web.HttpUtility.ParseQueryString(authorizationUrl.Query)["redirect_uri"]!);

    // Starts iamdb with the kit's environment (no AWS_* of ours), reads stderr until the prompt, lets the person act,
    // then waits (at most two minutes) for it to end.
    private async Task<CliResult> RunAsync(string[] args, Regex prompt, Func<Match, CancellationToken, Task> act)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "iamdb.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in kit.Cli.Environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        try
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = new StringBuilder();
            Match? shown = null;
            while (await process.StandardError.ReadLineAsync(ct) is { } line)
            {
                stderr.AppendLine(line);
                shown = prompt.Match(line);
                if (shown.Success)
                {
                    break;
                }
            }

            Assert.True(shown?.Success == true, "iamdb login printed no sign-in prompt:\n" + CliResult.Redact(stderr.ToString()));
            await act(shown!, ct);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            stderr.Append(await process.StandardError.ReadToEndAsync(timeout.Token));
            await process.WaitForExitAsync(timeout.Token);
            return new CliResult(process.ExitCode, await stdout, stderr.ToString());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [GeneratedRegex("open (https://\\S+) on any device and enter the code: (\\S+)")]
    private static partial Regex DevicePrompt();

    // The browser flow prints the address alone on its line, after "To sign in, open this address in a browser …".
    [GeneratedRegex("^(https://\\S+/auth\\?\\S+)$")]
    private static partial Regex BrowserPrompt();
}
