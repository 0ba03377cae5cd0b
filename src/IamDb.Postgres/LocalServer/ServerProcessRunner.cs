using System.Diagnostics;
using System.Text;

namespace IamDb.Postgres.LocalServer;

/// <summary>
/// Runs PostgreSQL's server programs. They refuse to run as root, so as root they run as the
/// <c>postgres</c> system user (created by Debian's <c>postgresql</c> package) through <c>runuser</c>.
/// </summary>
internal static class ServerProcessRunner
{
    internal const string ServiceUser = "postgres";

    internal static bool RunsAsServiceUser => Environment.IsPrivilegedProcess;

    internal sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    internal static async Task<Result> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (RunsAsServiceUser)
        {
            psi.FileName = "runuser";
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(ServiceUser);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(program);
        }
        else
        {
            psi.FileName = program;
        }

        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        // Server programs inherit the environment; keep libpq variables of the caller out of them.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the timeout and the kill.
            }

            if (ct.IsCancellationRequested)
            {
                throw;
            }

            lock (output)
            {
                return new Result(-1, output + $"{Path.GetFileName(program)} did not finish within {timeout.TotalSeconds:0} s");
            }
        }

        // WaitForExitAsync returns once the output pipes are drained as well.
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }

    /// <summary>Gives the service user the directory (recursively) when the server runs as that user.</summary>
    internal static async Task GiveToServiceUserAsync(string directory, CancellationToken ct)
    {
        if (!RunsAsServiceUser)
        {
            return;
        }

        var psi = new ProcessStartInfo("chown") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("-R");
        psi.ArgumentList.Add($"{ServiceUser}:{ServiceUser}");
        psi.ArgumentList.Add(directory);
        using var chown = Process.Start(psi) ?? throw new LocalPostgresException("could not start chown");
        var error = await chown.StandardError.ReadToEndAsync(ct);
        await chown.WaitForExitAsync(ct);
        if (chown.ExitCode != 0)
        {
            throw new LocalPostgresException($"could not give {directory} to the '{ServiceUser}' user: {error.Trim()}");
        }

        // The server user must also be able to reach the directory through its parents.
        var probe = await RunAsync("test", ["-w", directory], TimeSpan.FromSeconds(10), ct);
        if (!probe.Succeeded)
        {
            throw new LocalPostgresException(
                $"the '{ServiceUser}' user cannot reach {directory} (a parent directory is closed to it); "
                + "choose a data directory that other users can traverse, such as one under /var/lib or /tmp");
        }
    }
}
