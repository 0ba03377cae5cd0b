using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Packaging;

/// <summary>
/// The linux-x64 package from <c>scripts/package.sh</c>, unpacked: its single-file binary runs with no .NET on PATH and
/// no DOTNET_ROOT (and maps nothing from the machine's .NET installation), <c>iamdb up</c> from it serves a signed
/// request, the example configuration starts <c>iamdb server</c>, and the systemd unit passes <c>systemd-analyze verify</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PackageTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public void Archive_HoldsTheBinary_TheHardenedUnit_TheExampleConfig_AndTheDocs()
    {
        TestContext.Current.TestOutputHelper?.WriteLine($"scripts/package.sh took {package.BuildTime.TotalSeconds:F0} s");
        Assert.Matches(@"/iamdb-\d+\.\d+\.\d+[^/]*-linux-x64\.tar\.gz$", package.Archive);
        Assert.Equal(Path.GetFileName(package.Archive)[..^".tar.gz".Length], Path.GetFileName(package.Root));
        Assert.True((File.GetUnixFileMode(package.Binary) & UnixFileMode.UserExecute) != 0, "bin/iamdb is not executable");
        Assert.Equal("iamdb", Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(package.Root, "bin")))));
        Assert.True(File.Exists(Path.Combine(package.Root, "iamdb.toml")));
        Assert.True(File.Exists(Path.Combine(package.Root, "README.md")));
        Assert.True(File.Exists(Path.Combine(package.Root, "docs", "design.md")));
        var unit = File.ReadAllLines(Path.Combine(package.Root, "iamdb.service"));
        foreach (var line in new[]
                 {
                     "User=iamdb", "NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=iamdb", "ProtectHome=yes", "PrivateTmp=yes",
                     "CapabilityBoundingSet=", "ExecStart=/usr/local/bin/iamdb server --config /etc/iamdb/iamdb.toml",
                 })
        {
            Assert.Contains(line, unit);
        }
    }

    [Fact]
    public async Task Binary_WithNoDotnetOnPath_PrintsItsVersion_AndUpServesASignedRequest()
    {
        var home = Directory.CreateTempSubdirectory("iamdb-package-home-").FullName;
        try
        {
            var version = await RunToEndAsync(Sanitized(home, "--version"));
            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout.Trim());

            var data = Path.Combine(home, "data");
            var watch = Stopwatch.StartNew();
            using var broker = Process.Start(Sanitized(home, "up", "--data-dir", data, "--port", "0"))!;
            try
            {
                var endpoint = await ReadyEndpointAsync(broker);
                TestContext.Current.TestOutputHelper?.WriteLine($"iamdb up from the package was ready in {watch.Elapsed.TotalSeconds:F1} s");

                // Self-contained: nothing of the machine's .NET installation is loaded.
                var installation = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
                var maps = await File.ReadAllTextAsync($"/proc/{broker.Id}/maps", TestContext.Current.CancellationToken);
                Assert.DoesNotContain(installation, maps, StringComparison.Ordinal);

                using var client = new SignedClient(endpoint);
                var (status, body) = await client.CallAsync("sts", "GetCallerIdentity", SignedClient.ReadProfile(Path.Combine(data, "credentials")));
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Matches(@"^arn:aws:iam::\d{12}:root$", body.Find("Arn"));
            }
            finally
            {
                await StopAsync(broker);
            }

            Assert.Equal(0, broker.ExitCode);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task ExampleConfig_StartsTheServerOverHttps()
    {
        var home = Directory.CreateTempSubdirectory("iamdb-package-server-").FullName;
        try
        {
            var config = Path.Combine(package.Root, "iamdb.toml");
            using var server = Process.Start(Sanitized(home, "server", "--config", config, "--data-dir", Path.Combine(home, "data"), "--port", "0"))!;
            try
            {
                var endpoint = await ReadyEndpointAsync(server);
                Assert.StartsWith("https://127.0.0.1:", endpoint, StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(home, "data", "tls", "ca.pem")), "the generated CA is missing");
            }
            finally
            {
                await StopAsync(server);
            }

            // SIGTERM right after the ready line: a graceful stop (the signal is handled from Main's first line; see SigtermTests).
            Assert.Equal(0, server.ExitCode);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task Unit_PassesSystemdAnalyzeVerify()
    {
        const string analyze = "/usr/bin/systemd-analyze";
        Assert.True(File.Exists(analyze), "systemd-analyze is not installed; the unit cannot be verified here");
        var folder = Directory.CreateTempSubdirectory("iamdb-unit-").FullName;
        try
        {
            // The unit as installed, with ExecStart at the unpacked binary (verify checks that the program exists).
            var unit = Path.Combine(folder, "iamdb.service");
            var text = await File.ReadAllTextAsync(Path.Combine(package.Root, "iamdb.service"), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(unit, text.Replace("ExecStart=/usr/local/bin/iamdb ", $"ExecStart={package.Binary} ", StringComparison.Ordinal), TestContext.Current.CancellationToken);
            var start = new ProcessStartInfo(analyze) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("verify");
            start.ArgumentList.Add("--man=no");
            start.ArgumentList.Add(unit);

            var result = await RunToEndAsync(start);

            Assert.True(result.ExitCode == 0 && result.Stderr.Trim().Length == 0, result.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The binary with a minimal environment: PATH holds only the few system tools iamdb up runs (no dotnet), no DOTNET_*.
    private ProcessStartInfo Sanitized(string home, params string[] arguments)
    {
        var tools = Path.Combine(home, "tools");
        Directory.CreateDirectory(tools);
        foreach (var tool in new[] { "runuser", "chown", "sh" })
        {
            var found = new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            if (found is not null && !File.Exists(Path.Combine(tools, tool)))
            {
                File.CreateSymbolicLink(Path.Combine(tools, tool), found);
            }
        }

        Assert.False(File.Exists(Path.Combine(tools, "dotnet")));
        var start = new ProcessStartInfo(package.Binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = home,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = tools;
        start.Environment["HOME"] = home;
        start.Environment["NO_COLOR"] = "1";
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static async Task<CliResult> RunToEndAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        if (start.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static async Task<string> ReadyEndpointAsync(Process process)
    {
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ReadyTimeout);
        const string ready = "IamDb ready at ";
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(ready, StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return line[ready.Length..].Trim();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"iamdb did not become ready: {CliResult.Redact(await stderr)}");
    }

    // SIGTERM (graceful: it stops the local cluster too), at most 60 s, then SIGKILL.
    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
