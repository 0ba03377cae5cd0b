using System.Diagnostics;
using System.Text;

namespace IamDb.Cli.Tests.Support;

/// <summary>Runs the built <c>iamdb</c> command (the iamdb.dll copied next to the tests) as a separate process.</summary>
internal static class IamdbProcess
{
    private static string CommandPath => Path.Combine(AppContext.BaseDirectory, "iamdb.dll");

    /// <summary>Runs <c>iamdb ARGS</c> to completion (at most 90 s) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(arguments, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"iamdb {string.Join(' ', arguments)} did not finish within 90 s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(CommandPath);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment.Remove("IAMDB_MASTER_KEY");
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet iamdb.dll");
        process.StandardInput.Close();
        return process;
    }
}

/// <summary>
/// <c>iamdb up</c> running as a real process on a free loopback port of a data directory; disposing kills it (the
/// data directory stays for the caller).
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private BrokerProcess(Process process, string endpoint, string dataDirectory)
    {
        _process = process;
        Endpoint = endpoint;
        DataDirectory = dataDirectory;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    public string Endpoint { get; }

    public string DataDirectory { get; }

    public int ProcessId => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>iamdb up --data-dir DIR --port 0</c> and waits (at most 60 s) for its ready line.</summary>
    public static Task<BrokerProcess> StartAsync(string dataDirectory) =>
        StartAsync(["up", "--data-dir", dataDirectory, "--port", "0"], dataDirectory);

    /// <summary>Starts <c>iamdb ARGS</c> (up or server) and waits (at most 60 s) for its ready line.</summary>
    public static async Task<BrokerProcess> StartAsync(IEnumerable<string> arguments, string dataDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = IamdbProcess.Start(arguments, environment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                const string ready = "IamDb ready at ";
                if (line.StartsWith(ready, StringComparison.Ordinal))
                {
                    // Keep draining stdout so the broker never blocks on a full pipe.
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return new BrokerProcess(process, line[ready.Length..].Trim(), dataDirectory);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        var error = await process.StandardError.ReadToEndAsync(CancellationToken.None);
        process.Kill(entireProcessTree: true);
        process.Dispose();
        throw new InvalidOperationException($"iamdb up did not become ready: {error}");
    }

    /// <summary>SIGKILL: no shutdown, no flush, nothing in flight finishes.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillHardAsync();
        }

        _process.Dispose();
    }
}
