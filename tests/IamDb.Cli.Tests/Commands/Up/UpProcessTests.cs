using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Commands.Up;

/// <summary><c>iamdb up</c> as a real process: SIGTERM stops it gracefully, a wrong master key refuses to start.</summary>
public sealed class UpProcessTests
{
    [Fact]
    public async Task Sigterm_StopsGracefullyWithExitZero_AndTheRestartedBrokerServesTheSameAccount()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-sigterm-").FullName;
        try
        {
            var broker = IamdbProcess.Start(["up", "--data-dir", dir, "--port", "0"]);
            var ready = await broker.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
            Assert.StartsWith("IamDb ready at http://127.0.0.1:", ready, StringComparison.Ordinal);
            var endpoint = ready!["IamDb ready at ".Length..].Trim();
            var root = SignedClient.ReadProfile(Path.Combine(dir, "credentials"));
            using (var client = new SignedClient(endpoint))
            {
                Assert.Equal(HttpStatusCode.OK, (await client.CallAsync("iam", "CreateUser", root, ("UserName", "kept"))).Status);
            }

            using (var kill = Process.Start("kill", ["-TERM", broker.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            var rest = await broker.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await broker.WaitForExitAsync(timeout.Token);

            Assert.Equal(ExitCodes.Ok, broker.ExitCode);
            Assert.Contains("IamDb stopped.", rest, StringComparison.Ordinal);
            await using var again = await BrokerProcess.StartAsync(dir);
            using var after = new SignedClient(again.Endpoint);
            var user = await after.CallAsync("iam", "GetUser", root, ("UserName", "kept"));
            Assert.Equal(HttpStatusCode.OK, user.Status);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task WrongMasterKey_FailsToStartWithAClearMessageAndChangesNothing()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-wrongkey-").FullName;
        try
        {
            await using (var first = await BrokerProcess.StartAsync(dir))
            {
                using var client = new SignedClient(first.Endpoint);
                await client.CallAsync("iam", "CreateUser", SignedClient.ReadProfile(Path.Combine(dir, "credentials")), ("UserName", "adam"));
            }

            var before = Snapshot(dir);
            var otherKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(
                ["up", "--data-dir", dir, "--port", "0"], new Dictionary<string, string> { ["IAMDB_MASTER_KEY"] = otherKey });

            Assert.Equal(ExitCodes.Failure, exitCode);
            Assert.Contains("the master key does not match the one this data directory was created with", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("IamDb ready", stdout, StringComparison.Ordinal);
            Assert.False(stderr.Contains(otherKey, StringComparison.Ordinal), "the master key appeared in the error");
            Assert.Equal(before, Snapshot(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // What a start could change: the rows of every table that matters, the key check, the applied migrations.
    private static string Snapshot(string dir)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, "state.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT (SELECT count(*) FROM iam_users) || '/' || (SELECT count(*) FROM iam_access_keys) || '/' || (SELECT count(*) FROM audit_events) "
            + "|| '/' || (SELECT group_concat(version) FROM schema_migrations) || '/' || (SELECT hex(value) FROM store_metadata WHERE key = 'master_key_check')";
        return (string)command.ExecuteScalar()!;
    }
}
