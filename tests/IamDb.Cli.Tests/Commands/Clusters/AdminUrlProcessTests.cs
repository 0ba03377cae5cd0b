using System.Diagnostics;
using System.Globalization;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;
using IamDb.Postgres.LocalServer;

namespace IamDb.Cli.Tests.Commands.Clusters;

/// <summary>
/// <c>iamdb clusters admin-url local</c> with a real <c>iamdb up</c> and a real <c>psql</c>: the ready text points at it,
/// the URI logs in as the local cluster's superuser without holding the password, and another local user cannot use it.
/// </summary>
public sealed class AdminUrlProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminUrl_WhileUpRuns_PsqlCreatesADatabaseAndOnlyTheDataDirectorysOwnerCanUseIt()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-adminurl-").FullName;
        var broker = IamdbProcess.Start(["up", "--data-dir", dir, "--port", "0"]);
        var passfileLeft = true;
        try
        {
            var ready = new List<string>();
            while (await broker.StandardOutput.ReadLineAsync(Ct) is { } line)
            {
                ready.Add(line);
                if (line.Contains("try it:", StringComparison.Ordinal))
                {
                    break;
                }
            }

            Assert.Contains(ready, l => l.Contains($"iamdb clusters admin-url local --data-dir {dir}", StringComparison.Ordinal));

            var (exit, stdout, stderr) = await IamdbProcess.RunAsync(["clusters", "admin-url", "local", "--data-dir", dir]);
            Assert.True(exit == ExitCodes.Ok, stderr);
            var uri = stdout.Trim();
            Assert.StartsWith("postgresql://postgres@127.0.0.1:", uri, StringComparison.Ordinal);
            Assert.Contains("sslmode=verify-full", uri, StringComparison.Ordinal);
            var password = File.ReadAllText(Path.Combine(dir, LocalAdminAccess.PasswordFileName)).Trim().Split(':')[^1];
            Assert.False(uri.Contains(password, StringComparison.Ordinal), "the admin URL carries the password");
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, LocalAdminAccess.PasswordFileName)));
            }

            var created = await PsqlAsync(null, uri, "create database dba");
            Assert.True(created.ExitCode == 0, created.Stderr);
            var (_, dbaUri, _) = await IamdbProcess.RunAsync(["clusters", "admin-url", "local", "--data-dir", dir, "--database", "dba"]);
            var inDba = await PsqlAsync(null, dbaUri.Trim(), "select current_database() || ' ' || current_user");
            Assert.Equal("dba postgres", inDba.Stdout.Trim());

            if (Environment.IsPrivilegedProcess)
            {
                // Root runs this suite: "nobody" stands for any other local user. It can reach the directory (the server's
                // own user must pass through it) but cannot read the password file or the CA.
                var other = await PsqlAsync("nobody", uri, "select 1");
                Assert.NotEqual(0, other.ExitCode);
                Assert.DoesNotContain("1", other.Stdout, StringComparison.Ordinal);
            }
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", broker.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(CancellationToken.None);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await broker.WaitForExitAsync(timeout.Token);
            broker.Dispose();
            passfileLeft = File.Exists(Path.Combine(dir, LocalAdminAccess.PasswordFileName));
            Directory.Delete(dir, recursive: true);
        }

        // Stopped with the broker: the URL leads nowhere once the server is down.
        Assert.False(passfileLeft, "the admin password file outlived the local cluster");
    }

    [Fact]
    public async Task AdminUrl_NoLocalClusterRunning_SaysHowToStartOne()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-adminurl-none-").FullName;
        try
        {
            var (exit, stdout, stderr) = await IamdbProcess.RunAsync(["clusters", "admin-url", "local", "--data-dir", dir]);

            Assert.Equal(ExitCodes.Usage, exit);
            Assert.Empty(stdout);
            Assert.Contains($"iamdb up --data-dir {dir}", stderr, StringComparison.Ordinal);
            var (otherExit, _, otherErr) = await IamdbProcess.RunAsync(["clusters", "admin-url", "analytics", "--data-dir", dir]);
            Assert.Equal(ExitCodes.Usage, otherExit);
            Assert.Contains("only the local cluster", otherErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // psql -w never prompts: without a readable password it fails instead of waiting for a terminal.
    private static async Task<(int ExitCode, string Stdout, string Stderr)> PsqlAsync(string? asUser, string uri, string sql)
    {
        var psi = new ProcessStartInfo(asUser is null ? "psql" : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is not null)
        {
            foreach (var a in new[] { "-u", asUser, "--", "psql" })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in new[] { "-w", "-X", "-A", "-t", uri, "-c", sql })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
