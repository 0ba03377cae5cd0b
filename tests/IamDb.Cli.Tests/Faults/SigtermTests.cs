using System.Diagnostics;
using System.Globalization;
using System.Text;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Faults;

/// <summary>
/// SIGTERM (what systemd, Kubernetes and <c>kill</c> send) at any moment after <c>iamdb server</c> said it was ready stops
/// it gracefully: exit code 0 and the lifecycle's "stopped" lines. System.CommandLine registered its handler only when the
/// command first yielded, after the ready lines, and a SIGTERM in that window (tens of milliseconds, longer on a busy
/// machine) killed the process with exit code 143.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SigtermTests
{
    // Bounded: six starts of a SQLite broker, each stopped within 60 s.
    private static readonly TimeSpan[] Delays =
    [
        TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50),
    ];

    [Fact]
    public async Task SigtermRightAfterReady_StopsTheServerGracefully_WithExitCodeZero()
    {
        var home = Directory.CreateTempSubdirectory("iamdb-sigterm-").FullName;
        try
        {
            var config = Path.Combine(home, "iamdb.toml");
            await File.WriteAllTextAsync(config, "urls = [\"https://127.0.0.1:0\"]\n[tls]\ngenerate = true\n", TestContext.Current.CancellationToken);
            var outcomes = new List<string>();
            for (var i = 0; i < Delays.Length; i++)
            {
                var (exitCode, stdout, stderr) = await StartThenTerminateAsync(config, Path.Combine(home, $"data{i}"), Delays[i]);
                outcomes.Add($"SIGTERM {Delays[i].TotalMilliseconds:F0} ms after ready: exit {exitCode}");
                Assert.True(exitCode == 0, $"{string.Join("; ", outcomes)}\n{CliResult.Redact(stderr)}");
                Assert.Contains("IamDb stopped.", stdout, StringComparison.Ordinal);
                Assert.Contains("IamDb stopped: in-flight requests finished, audit log flushed", stderr, StringComparison.Ordinal);
            }

            TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", outcomes));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> StartThenTerminateAsync(string config, string dataDirectory, TimeSpan delay)
    {
        using var process = IamdbProcess.Start(["server", "--config", config, "--data-dir", dataDirectory, "--port", "0"]);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                stdout.AppendLine(line);
                if (line.StartsWith("IamDb ready at ", StringComparison.Ordinal))
                {
                    break;
                }
            }

            if (process.HasExited)
            {
                Assert.Fail($"iamdb server exited before it was ready: {CliResult.Redact(await stderr)}");
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, timeout.Token);
            }

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(timeout.Token);
            }

            stdout.Append(await process.StandardOutput.ReadToEndAsync(timeout.Token));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, stdout.ToString(), await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
