using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Cli.Tests.Support;
using IamDb.Testing;

namespace IamDb.Cli.Tests.MultiNode;

/// <summary>
/// Two real <c>iamdb server</c> processes on one PostgreSQL store, neither configured with an account id, each caching
/// access keys for five minutes: the second adopts the first's account, a key deactivated or a policy changed through
/// one is honoured by the other within a second (measured), a node configured for another account refuses to start,
/// and when the reaping node is killed the other takes the reaper over within a minute.
/// </summary>
public sealed class TwoServerProcessesTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private const int Rounds = 7;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task TwoNodes_ShareOneAccount_AndHonourEachOthersRevocationsWithinOneSecond()
    {
        var database = await postgres.CreateDatabaseAsync("procs");
        var root = Directory.CreateTempSubdirectory("iamdb-procs-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["IAMDB_TEST_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["IAMDB_TEST_STORE_PASSWORD"] = new Npgsql.NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password!,
        };
        try
        {
            var (configA, configB) = (Config(root, database, "a", null), Config(root, database, "b", null));
            await using var nodeA = await BrokerProcess.StartAsync(["server", "--config", configA], Path.Combine(root, "a"), environment);
            await using var nodeB = await BrokerProcess.StartAsync(["server", "--config", configB], Path.Combine(root, "b"), environment);
            var rootKey = SignedClient.ReadProfile(Path.Combine(root, "a", "credentials"));
            using var viaA = new SignedClient(nodeA.Endpoint);
            using var viaB = new SignedClient(nodeB.Endpoint);
            await WaitListeningAsync(nodeB.Endpoint);

            // One account: B adopted A's, root key and all.
            var account = (await viaA.CallAsync("sts", "GetCallerIdentity", rootKey)).Body.Find("Account")!;
            Assert.Equal(rootKey.AccessKeyId, SignedClient.ReadProfile(Path.Combine(root, "b", "credentials")).AccessKeyId);
            Assert.Equal(account, (await viaB.CallAsync("sts", "GetCallerIdentity", rootKey)).Body.Find("Account"));

            // Deactivation through A, refusal by B: measured several times.
            var delays = new List<TimeSpan>();
            for (var round = 0; round < Rounds; round++)
            {
                var user = $"dev{round}";
                Assert.Equal(HttpStatusCode.OK, (await viaA.CallAsync("iam", "CreateUser", rootKey, ("UserName", user))).Status);
                var created = await viaA.CallAsync("iam", "CreateAccessKey", rootKey, ("UserName", user));
                var key = new SigningCredentials(created.Body.Find("AccessKeyId")!, created.Body.Find("SecretAccessKey")!);
                Assert.Equal(HttpStatusCode.OK, (await viaB.CallAsync("sts", "GetCallerIdentity", key)).Status); // cached on B

                var deactivated = await viaA.CallAsync("iam", "UpdateAccessKey", rootKey, ("UserName", user), ("AccessKeyId", key.AccessKeyId), ("Status", "Inactive"));
                Assert.Equal(HttpStatusCode.OK, deactivated.Status);
                delays.Add(await TimeUntilAsync(async () => (await viaB.CallAsync("sts", "GetCallerIdentity", key)).Status == HttpStatusCode.Forbidden));
            }

            // A policy changed through A: B denies at once (policies are read per request; nothing to go stale).
            Assert.Equal(HttpStatusCode.OK, (await viaA.CallAsync("iam", "CreateUser", rootKey, ("UserName", "pol"))).Status);
            Assert.Equal(HttpStatusCode.OK, (await viaA.CallAsync("iam", "PutUserPolicy", rootKey, ("UserName", "pol"), ("PolicyName", "p"),
                ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"""))).Status);
            var polKey = await viaA.CallAsync("iam", "CreateAccessKey", rootKey, ("UserName", "pol"));
            var pol = new SigningCredentials(polKey.Body.Find("AccessKeyId")!, polKey.Body.Find("SecretAccessKey")!);
            Assert.Equal(HttpStatusCode.OK, (await viaB.CallAsync("iam", "ListUsers", pol)).Status);
            Assert.Equal(HttpStatusCode.OK, (await viaA.CallAsync("iam", "PutUserPolicy", rootKey, ("UserName", "pol"), ("PolicyName", "p"),
                ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"""))).Status);
            var policyDelay = await TimeUntilAsync(async () => (await viaB.CallAsync("iam", "ListUsers", pol)).Status == HttpStatusCode.Forbidden);

            var sorted = delays.Order().ToList();
            var summary = string.Create(
                CultureInfo.InvariantCulture,
                $"key deactivation A->B over {Rounds} rounds: median {sorted[Rounds / 2].TotalMilliseconds:F0} ms, max {sorted[^1].TotalMilliseconds:F0} ms; policy change: {policyDelay.TotalMilliseconds:F0} ms");
            TestContext.Current.TestOutputHelper?.WriteLine(summary);
            Assert.All(delays, d => Assert.True(d < Limit, summary));
            Assert.True(policyDelay < Limit, summary);

            // A third node configured for another account refuses to start and says which accounts differ.
            var other = account == "999988887777" ? "999988887776" : "999988887777";
            var (exitCode, _, stderr) = await IamdbProcess.RunAsync(["server", "--config", Config(root, database, "c", other)], environment);
            Assert.NotEqual(0, exitCode);
            Assert.Contains(other, stderr, StringComparison.Ordinal);
            Assert.Contains(account, stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task ReapingNodeKilled_TheOtherTakesTheReaperOverWithinAMinute()
    {
        var database = await postgres.CreateDatabaseAsync("reaplease");
        var root = Directory.CreateTempSubdirectory("iamdb-reaplease-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["IAMDB_TEST_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["IAMDB_TEST_STORE_PASSWORD"] = new Npgsql.NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password!,
        };
        try
        {
            await using var nodeA = await BrokerProcess.StartAsync(["server", "--config", Config(root, database, "a", null)], Path.Combine(root, "a"), environment);
            await using var nodeB = await BrokerProcess.StartAsync(["server", "--config", Config(root, database, "b", null)], Path.Combine(root, "b"), environment);
            var roles = new[] { await ReaperRoleAsync(nodeA.Endpoint), await ReaperRoleAsync(nodeB.Endpoint) };
            for (var i = 0; i < 150 && !roles.Contains("active"); i++)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                roles = [await ReaperRoleAsync(nodeA.Endpoint), await ReaperRoleAsync(nodeB.Endpoint)];
            }

            Assert.Equal(["active", "standby"], roles.Order());
            var (active, standby) = roles[0] == "active" ? (nodeA, nodeB) : (nodeB, nodeA);

            await active.KillHardAsync();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(90) && await ReaperRoleAsync(standby.Endpoint) != "active")
            {
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"reaper taken over {clock.Elapsed.TotalSeconds:F1} s after kill -9 of its holder");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"the standby took {clock.Elapsed.TotalSeconds:F0} s to take the reaper over");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private string Config(string root, string database, string node, string? accountId)
    {
        var dir = Path.Combine(root, node);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(root, node + ".toml");
        File.WriteAllText(
            path,
            $"""
            urls = ["http://127.0.0.1:0"]
            data_dir = "{dir}"
            {(accountId is null ? "" : $"account_id = \"{accountId}\"")}
            master_key_env = "IAMDB_TEST_MASTER_KEY"
            credential_cache_seconds = 300
            [store]
            kind = "postgres"
            connection_string = "{new Npgsql.NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString(database)) { Password = null }.ConnectionString}"
            password_env = "IAMDB_TEST_STORE_PASSWORD"
            """);
        return path;
    }

    private static async Task<TimeSpan> TimeUntilAsync(Func<Task<bool>> refused)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && !await refused())
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        return clock.Elapsed;
    }

    private static async Task<JsonElement> ReadyAsync(string endpoint)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(endpoint + "/health/ready", TestContext.Current.CancellationToken);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string?> ReaperRoleAsync(string endpoint) => (await ReadyAsync(endpoint)).GetProperty("reaper").GetString();

    private static async Task WaitListeningAsync(string endpoint)
    {
        for (var i = 0; i < 100 && (await ReadyAsync(endpoint)).GetProperty("changes").GetString() != "listening"; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
