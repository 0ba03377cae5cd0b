using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using IamDb.Cli.Tests.Broker;
using IamDb.Testing.Federation;

namespace IamDb.Cli.Tests.Federation;

/// <summary>
/// Runs the built <c>iamdb login ENV --device</c> as a process with the kit's environment, reads the code it prints on
/// stderr, and approves it at the identity provider as a person would (headless).
/// </summary>
internal sealed partial class LoginDriver(BrokerKit kit, OidcProviderProcess provider)
{
    /// <summary>Where the CLI process keeps its login sessions (its HOME is the kit's directory).</summary>
    public string SessionFile => Path.Combine(kit.Cli.Directory, ".cache", "iamdb", "login-sessions.json");

    /// <summary>Runs the login for <paramref name="environment"/>, approving the code as <paramref name="login"/>.</summary>
    public async Task<CliResult> LoginDeviceAsync(string environment, string login)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "iamdb.dll"), "login", environment, "--device", "--timeout", "120"])
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

            Assert.True(prompt?.Success == true, "iamdb login printed no code:\n" + CliResult.Redact(stderr.ToString()));
            using (var person = new OidcTestUser(provider, login))
            {
                await person.ApproveDeviceAsync(new Uri(prompt!.Groups[1].Value), prompt.Groups[2].Value, ct: ct);
            }

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

    /// <summary>Neither an ID token (a JWT: three base64url parts starting with eyJ) nor any other JWT was printed.</summary>
    public static void AssertNoTokenPrinted(CliResult result) =>
        Assert.DoesNotMatch("eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.", result.Stdout + result.Stderr);

    [GeneratedRegex("open (https://\\S+) on any device and enter the code: (\\S+)")]
    private static partial Regex DevicePrompt();
}
