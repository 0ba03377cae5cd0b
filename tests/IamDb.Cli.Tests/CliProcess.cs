using System.Diagnostics;
using System.Text.RegularExpressions;

namespace IamDb.Cli.Tests;

/// <summary>What one run of the built <c>iamdb</c> command did.</summary>
public sealed partial record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>For assertion messages: exit code and both streams, with every password-like value masked.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Redact(Stdout)}\n--- stderr ---\n{Redact(Stderr)}";

    /// <summary>Masks temporary passwords in the shapes iamdb prints them (JSON, URLs, key=value, exports, .pgpass, URI user info).</summary>
    internal static string Redact(string text)
    {
        text = PasswordValue().Replace(text, m => m.Groups[1].Value + "[redacted]");
        text = UriUserInfo().Replace(text, "$1[redacted]@");
        return PgpassLine().Replace(text, "$1[redacted]");
    }

    [GeneratedRegex("(?i)((?:password|pwd|PGPASSWORD)\"?\\s*[:=]\\s*['\"{]?)[^'\"}&;\\s]+")]
    private static partial Regex PasswordValue();

    [GeneratedRegex("(postgresql://[^:/@\\s]+:)[^@\\s]+@")]
    private static partial Regex UriUserInfo();

    [GeneratedRegex("(?m)^([^:\\s]+:\\d+:[^:\\s]+:(?:[^:\\\\]|\\\\.)+:).+$")]
    private static partial Regex PgpassLine();
}

/// <summary>
/// Runs the built <c>iamdb</c> (this test project's copy of iamdb.dll) as a separate process, with its own config file
/// and data directory, no color, and none of the caller's AWS environment.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public CliProcess()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("iamdb-cli-test-").FullName;
        Environment["IAMDB_CONFIG"] = Path.Combine(Directory, "config", "config.toml");
        Environment["IAMDB_DATA_DIR"] = Path.Combine(Directory, "data");
        Environment["NO_COLOR"] = "1";
        Environment["HOME"] = Directory;
    }

    /// <summary>A private temporary directory, deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The config file the command uses.</summary>
    public string ConfigPath => Environment["IAMDB_CONFIG"]!;

    /// <summary>Environment variables set for the child (null removes one).</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    public async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<CliResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "iamdb.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"iamdb {string.Join(' ', args)} did not finish within {Timeout}.");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
