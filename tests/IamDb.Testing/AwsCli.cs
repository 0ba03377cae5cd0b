using System.Diagnostics;
using System.Text.Json;

namespace IamDb.Testing;

/// <summary>
/// Runs Debian's AWS CLI v2 (<c>/usr/bin/aws</c>) against an endpoint on loopback, with credentials
/// passed in the environment (never on the command line) and every way of picking up the machine's own
/// AWS configuration switched off.
/// </summary>
/// <param name="EndpointUrl">The broker, for example <c>http://127.0.0.1:5000</c>.</param>
/// <param name="AccessKeyId">The access key id to sign with.</param>
/// <param name="SecretAccessKey">The secret to sign with.</param>
/// <param name="SessionToken">A session token for temporary credentials, or null.</param>
/// <param name="Region">The region to sign for.</param>
public sealed record AwsCli(string EndpointUrl, string AccessKeyId, string SecretAccessKey, string? SessionToken = null, string Region = "us-east-1")
{
    /// <summary>
    /// Where Debian's awscli package installs the CLI (what CI uses), or else the first <c>aws</c> on <c>PATH</c> (a
    /// developer's pip-installed CLI v1, whose exit code for a service error is 255 instead of 254).
    /// </summary>
    public static string Path { get; } = FindCli();

    /// <summary>The outcome of one CLI run.</summary>
    /// <param name="ExitCode">The CLI's exit code (0 ok, 254 service error, 255 other).</param>
    /// <param name="Stdout">Standard output (JSON for successful calls).</param>
    /// <param name="Stderr">Standard error (the service's error code and message for failures).</param>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Stdout parsed as JSON; fails the test with stderr when the call did not succeed.</summary>
        public JsonElement Json()
        {
            if (ExitCode != 0)
            {
                throw new InvalidOperationException($"aws exited with {ExitCode}: {Stderr.Trim()}");
            }

            return string.IsNullOrWhiteSpace(Stdout) ? default : JsonDocument.Parse(Stdout).RootElement.Clone();
        }
    }

    /// <summary>Runs <c>aws --endpoint-url … ARGS --output json</c>.</summary>
    public async Task<Result> RunAsync(IEnumerable<string> arguments, CancellationToken ct = default)
    {
        if (!File.Exists(Path))
        {
            throw new InvalidOperationException($"{Path} is missing: install Debian's awscli package (scripts/test.sh does)");
        }

        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--endpoint-url");
        psi.ArgumentList.Add(EndpointUrl);
        psi.ArgumentList.Add("--output");
        psi.ArgumentList.Add("json");
        if (Path == "/usr/bin/aws")
        {
            psi.ArgumentList.Add("--no-cli-pager"); // v2 only; AWS_PAGER="" covers it too
        }

        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        ConfigureEnvironment(psi.Environment);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start aws");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the CLI with <paramref name="arguments"/> split on spaces (for arguments without spaces).</summary>
    public Task<Result> RunAsync(string arguments, CancellationToken ct = default) =>
        RunAsync(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), ct);

    private static string FindCli()
    {
        const string debian = "/usr/bin/aws";
        if (File.Exists(debian))
        {
            return debian;
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, "aws"))
            .FirstOrDefault(File.Exists);
        return onPath ?? debian;
    }

    private void ConfigureEnvironment(IDictionary<string, string?> env)
    {
        foreach (var key in env.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            env.Remove(key);
        }

        env["AWS_ACCESS_KEY_ID"] = AccessKeyId;
        env["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey;
        if (SessionToken is not null)
        {
            env["AWS_SESSION_TOKEN"] = SessionToken;
        }

        env["AWS_DEFAULT_REGION"] = Region;
        env["AWS_PAGER"] = "";
        env["AWS_EC2_METADATA_DISABLED"] = "true";
        env["AWS_MAX_ATTEMPTS"] = "1";
        env["AWS_RETRY_MODE"] = "standard";
        // Never read the developer's own ~/.aws files.
        env["AWS_CONFIG_FILE"] = "/dev/null";
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
    }
}
