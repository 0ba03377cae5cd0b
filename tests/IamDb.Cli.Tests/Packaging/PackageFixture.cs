using System.Diagnostics;

namespace IamDb.Cli.Tests.Packaging;

/// <summary>
/// Builds the linux-x64 package once per test run with <c>scripts/package.sh</c> (intermediate files stay under the
/// repository's artifacts folder, so a second run is incremental) and unpacks it into a temporary directory.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    /// <summary>The archive scripts/package.sh wrote.</summary>
    public string Archive { get; private set; } = "";

    /// <summary>The unpacked <c>iamdb-VERSION-linux-x64</c> folder.</summary>
    public string Root { get; private set; } = "";

    /// <summary>The unpacked single-file binary.</summary>
    public string Binary => Path.Combine(Root, "bin", "iamdb");

    /// <summary>How long building the package took (reported by the tests' output).</summary>
    public TimeSpan BuildTime { get; private set; }

    private string Unpacked { get; set; } = "";

    public async ValueTask InitializeAsync()
    {
        var repository = RepositoryRoot();
        var watch = Stopwatch.StartNew();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(repository, "scripts", "package.sh"));
        start.Environment["ARTIFACTS_DIR"] = Path.Combine(repository, "artifacts");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/package.sh did not finish within {BuildTimeout}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/package.sh failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        BuildTime = watch.Elapsed;
        Archive = (await stdout).Trim().Split('\n')[^1].Trim();
        Unpacked = Directory.CreateTempSubdirectory("iamdb-package-").FullName;
        var tar = await RunAsync("tar", ["-xzf", Archive, "-C", Unpacked]);
        if (tar != 0)
        {
            throw new InvalidOperationException($"tar could not unpack {Archive}");
        }

        Root = Directory.GetDirectories(Unpacked).Single();
    }

    public ValueTask DisposeAsync()
    {
        if (Unpacked.Length > 0)
        {
            Directory.Delete(Unpacked, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IamDb.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no IamDb.slnx above {AppContext.BaseDirectory}");
    }

    private static async Task<int> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
