using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

/// <summary>
/// An acknowledged write survives kill -9: a child process (this test assembly, started in writer mode) commits
/// users in a loop and prints each acknowledged one; it is killed with SIGKILL and the file is reopened.
/// </summary>
public sealed class SqliteCrashDurabilityTests
{
    private const string WriterModeVariable = "IAMDB_TEST_CRASH_WRITER_DIR";
    private const string Account = "000000000000";

    [Fact]
    public async Task Store_ChildKilledWithSigkill_KeepsEveryAcknowledgedWrite()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = DataDirectory.Prepare(Directory.CreateTempSubdirectory("iamdb-crash-").FullName);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SqliteCrashDurabilityTests).Assembly.Location);
        start.Environment[WriterModeVariable] = directory.Path;
        start.Environment.Remove(MasterKey.EnvironmentVariable);

        var acknowledged = new List<int>();
        using (var child = Process.Start(start)!)
        {
            var deadline = Stopwatch.StartNew();
            try
            {
                // Read acknowledgements for a bounded time, then kill mid-stream.
                while (deadline.Elapsed < TimeSpan.FromSeconds(4) && acknowledged.Count < 150)
                {
                    var line = await child.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(4), ct);
                    if (line is null)
                    {
                        break;
                    }

                    if (line.StartsWith("ack ", StringComparison.Ordinal))
                    {
                        acknowledged.Add(int.Parse(line.AsSpan(4), CultureInfo.InvariantCulture));
                    }
                }
            }
            finally
            {
                child.Kill(); // SIGKILL on Unix
                await child.WaitForExitAsync(ct);
            }

            Assert.True(acknowledged.Count > 0, "the writer acknowledged nothing: " + await child.StandardError.ReadToEndAsync(ct));
        }

        await using var store = await SqliteStateStore.OpenAsync(directory.StateFilePath, new SecretProtector(MasterKey.Load(directory.Path)), cancellationToken: ct);
        var missing = new List<int>();
        await store.ReadAsync(
            async (r, token) =>
            {
                foreach (var id in acknowledged)
                {
                    if (await r.Users.GetAsync(Account, "u" + id, token) is null)
                    {
                        missing.Add(id);
                    }
                }

                return true;
            },
            ct);
        Assert.Empty(missing);
    }

    // Runs before the test host's Main: in writer mode this process only writes and never returns.
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The test assembly doubles as the crash-test child process.")]
    internal static void RunWriterIfRequested()
    {
        var path = Environment.GetEnvironmentVariable(WriterModeVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        WriteForeverAsync(path).GetAwaiter().GetResult();
        Environment.Exit(0);
    }

    private static async Task WriteForeverAsync(string path)
    {
        var directory = DataDirectory.Prepare(path);
        await using var store = await SqliteStateStore.OpenAsync(directory.StateFilePath, new SecretProtector(MasterKey.Load(directory.Path)));
        var output = Console.Out;
        for (var i = 0; ; i++)
        {
            await store.WriteAsync((w, ct) => w.Users.CreateAsync(User(Account, "u" + i), ct));
            await output.WriteLineAsync("ack " + i.ToString(CultureInfo.InvariantCulture));
            await output.FlushAsync();
        }
    }
}
