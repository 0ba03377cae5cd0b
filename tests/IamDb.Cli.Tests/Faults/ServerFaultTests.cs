using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Faults;

/// <summary>
/// A real <c>iamdb server</c> process on a PostgreSQL store of the test's own (durable, so a SIGKILL loses nothing the
/// server acknowledged). While the store is stopped or killed, the aws CLI gets <c>ServiceUnavailable</c>, never a 500, and
/// the server recovers by itself when PostgreSQL is back. Killing the broker and then PostgreSQL with SIGKILL in the middle
/// of a GetClusterCredentials burst loses no acknowledged credential and no audit record of an acknowledged request.
/// </summary>
public sealed class ServerFaultTests
{
    [Fact]
    public async Task StoreStoppedOrKilled_TheAwsCliGetsServiceUnavailable_NeverA500_AndTheServerRecoversByItself()
    {
        await using var pg = await RestartablePostgres.StartAsync();
        await using var node = await Node.StartAsync(pg);
        var aws = new AwsCli(node.Broker.Endpoint, node.Root.AccessKeyId, node.Root.SecretAccessKey);
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await aws.RunAsync("sts get-caller-identity", ct)).ExitCode);

        foreach (var outage in new Func<Task>[] { pg.StopAsync, pg.KillHardAsync })
        {
            await outage();
            foreach (var command in new[] { "sts get-caller-identity", "iam list-users", "redshift describe-clusters" })
            {
                var result = await aws.RunAsync(command, ct);
                Assert.True(result.ExitCode is 254 or 255, $"aws {command} exited with {result.ExitCode}: {result.Stderr}"); // 255: CLI v1
                Assert.Contains("(ServiceUnavailable)", result.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("(500)", result.Stderr, StringComparison.Ordinal);
            }

            using var client = new SignedClient(node.Broker.Endpoint);
            var (status, body) = await client.CallAsync("iam", "ListUsers", node.Root);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("ServiceUnavailable", body.Find("Code"));
            Assert.False(string.IsNullOrEmpty(body.Find("RequestId")));

            await pg.StartAgainAsync();
            var until = DateTime.UtcNow.AddSeconds(60);
            AwsCli.Result again;
            while ((again = await aws.RunAsync("iam list-users", ct)).ExitCode != 0)
            {
                Assert.Contains("(ServiceUnavailable)", again.Stderr, StringComparison.Ordinal);
                Assert.True(DateTime.UtcNow < until, "the server did not recover within 60 s of PostgreSQL's restart");
                await Task.Delay(500, ct);
            }
        }

        Assert.DoesNotContain("failed unexpectedly", node.Broker.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(node.Root.SecretAccessKey, node.Broker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KillDashNineOfTheBrokerThenOfPostgres_MidIssuanceBurst_LosesNoAcknowledgedCredentialOrAuditRecord()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        await using var pg = await RestartablePostgres.StartAsync();
        await pg.QueryAsync("CREATE ROLE app NOLOGIN");
        var issued = new ConcurrentDictionary<string, string>(StringComparer.Ordinal); // request id → DbUser
        var node = await Node.StartAsync(pg);
        try
        {
            using (var client = new SignedClient(node.Broker.Endpoint))
            {
                var (status, body) = await client.CallAsync("redshift", "RegisterCluster", node.Root,
                    ("ClusterIdentifier", "main"), ("Host", pg.Host), ("Port", pg.Port.ToString(CultureInfo.InvariantCulture)), ("DBName", "postgres"),
                    ("MasterUsername", pg.Server.SuperUser), ("MasterUserPassword", pg.SuperUserPassword));
                Assert.True(status == HttpStatusCode.OK, body.ToString());
            }

            // Scenario 1: the broker killed with SIGKILL once 30 credentials were acknowledged.
            var brokerKilled = await BurstAsync(node, issued, requests: 200, whenAcknowledged: 30, fault: () => node.Broker.KillHardAsync());
            output?.WriteLine(brokerKilled.Summary("iamdb server killed with SIGKILL mid-burst"));
            Assert.True(brokerKilled.Lost > 0 || brokerKilled.Refused > 0, "the kill met no request in flight: the burst proves nothing");
            await node.DisposeAsync();
            node = await Node.StartAsync(pg, node.Directory);

            // Scenario 2: PostgreSQL (store and cluster) killed with SIGKILL once 20 more were acknowledged.
            var postgresKilled = await BurstAsync(node, issued, requests: 80, whenAcknowledged: 20, fault: pg.KillHardAsync);
            await pg.StartAgainAsync();
            await WaitForIssuanceAsync(node, issued);
            output?.WriteLine(postgresKilled.Summary("PostgreSQL (store and cluster) killed with SIGKILL mid-burst"));
            Assert.True(postgresKilled.Refused > 0, "no request met the dead server: the burst proves nothing");
            Assert.All(postgresKilled.RefusalKinds, kind => Assert.Equal("503 ServiceUnavailable", kind));

            // Every acknowledged credential: a role on the cluster, a record in the store, and its request's audit record.
            var roles = (await pg.QueryAsync(
                    "SELECT r.rolname, r.rolvaliduntil FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass "
                    + "WHERE d.description LIKE 'iamdb:credential:v1 %'"))
                .ToDictionary(row => (string)row[0]!, row => (DateTime?)row[1], StringComparer.Ordinal);
            var recorded = (await pg.QueryAsync("SELECT request_id, login_role FROM redshift_credentials", Node.StoreDatabase))
                .ToDictionary(row => (string)row[0]!, row => (string)row[1]!, StringComparer.Ordinal);
            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(
                ["audit", "--config", node.ConfigPath, "--since", "1h", "--limit", "5000", "--output", "json"], node.Environment);
            Assert.True(exitCode == ExitCodes.Ok, stderr);
            using var audit = JsonDocument.Parse(stdout);
            var audited = audit.RootElement.GetProperty("Records").EnumerateArray()
                .Select(r => r.GetProperty("requestID").GetString()!).ToHashSet(StringComparer.Ordinal);
            foreach (var (requestId, dbUser) in issued)
            {
                Assert.True(roles.ContainsKey(dbUser), $"acknowledged credential {dbUser} is not on the cluster");
                Assert.True(recorded.TryGetValue(requestId, out var role) && role == dbUser, $"acknowledged credential {dbUser} is not in the store");
                Assert.Contains(requestId, audited);
            }

            // Roles no store knows (the broker or PostgreSQL died between the cluster's commit and the store's) expire like
            // every credential — PostgreSQL refuses them after VALID UNTIL — and the reaper finds them by their marker.
            var unrecorded = roles.Keys.Except(recorded.Values, StringComparer.Ordinal).ToList();
            output?.WriteLine($"acknowledged {issued.Count}; roles on the cluster {roles.Count}; recorded {recorded.Count}; known only by their marker {unrecorded.Count}");
            var latest = DateTime.UtcNow.AddSeconds(900 + 60);
            Assert.All(unrecorded, name => Assert.True(roles[name] is { } until && until.ToUniversalTime() <= latest, $"{name} has no near VALID UNTIL"));
            Assert.DoesNotContain(node.Root.SecretAccessKey, node.Broker.Stderr, StringComparison.Ordinal);

            // The reaper then drops them, shown with the real processes: the node killed once more and restarted with a
            // 2-second reaper interval. The test cannot wait out a credential's 15-minute minimum life, so once the new node
            // holds the reaper lease it moves every IamDb role's VALID UNTIL one second into the past, as time would; the
            // reaper finds them by their marker (those the store never recorded too) and drops them within a pass.
            await node.DisposeAsync();
            await File.AppendAllTextAsync(node.ConfigPath, $"\n[redshift]\nreaper_interval_seconds = {ReaperIntervalSeconds}\n", ct);
            node = await Node.StartAsync(pg, node.Directory);
            await WaitForReaperLeaseAsync(node);
            await pg.QueryAsync(
                "DO $$ DECLARE r record; BEGIN FOR r IN SELECT a.rolname FROM pg_roles a JOIN pg_shdescription d ON d.objoid = a.oid "
                + "AND d.classoid = 'pg_authid'::regclass WHERE d.description LIKE 'iamdb:credential:v1 %' LOOP "
                + "EXECUTE format('ALTER ROLE %I VALID UNTIL %L', r.rolname, now() - interval '1 second'); END LOOP; END $$");
            var expired = DateTime.UtcNow;
            int left;
            while ((left = (await pg.QueryAsync(
                       "SELECT count(*)::int FROM pg_shdescription WHERE classoid = 'pg_authid'::regclass AND description LIKE 'iamdb:credential:v1 %'"))
                       .Single()[0] is int n ? n : -1) > 0)
            {
                Assert.True(DateTime.UtcNow - expired < ReapBound, $"{left} expired IamDb roles still on the cluster {ReapBound.TotalSeconds:F0} s after expiry");
                await Task.Delay(250, ct);
            }

            output?.WriteLine(
                $"the restarted node's reaper dropped {roles.Count} expired roles ({unrecorded.Count} known only by their marker) "
                + $"{(DateTime.UtcNow - expired).TotalSeconds:F1} s after expiry (interval {ReaperIntervalSeconds} s)");
            Assert.Equal(0, left);
        }
        finally
        {
            await node.DisposeAsync();
            Directory.Delete(node.Directory, recursive: true);
        }
    }

    private const int ReaperIntervalSeconds = 2;

    // One interval, plus the pass itself: each dropped role is reassigned in every database, a few hundred ms under load.
    private static readonly TimeSpan ReapBound = TimeSpan.FromSeconds(ReaperIntervalSeconds + 40);

    // The killed node's lease lapses within 30 s; the new node then takes it (/health/ready says "reaper":"active").
    private static async Task WaitForReaperLeaseAsync(Node node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var until = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            using var response = await http.GetAsync($"{node.Broker.Endpoint}/health/ready");
            var body = await response.Content.ReadAsStringAsync();
            if (body.Contains("\"reaper\":\"active\"", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, $"the restarted node did not take the reaper lease within 90 s: {body}");
            await Task.Delay(500);
        }
    }

    // GetClusterCredentials from 8 workers (at most `requests`, at most 90 s); `fault` runs once `whenAcknowledged` succeeded.
    private static async Task<Outcomes> BurstAsync(
        Node node, ConcurrentDictionary<string, string> issued, int requests, int whenAcknowledged, Func<Task> fault)
    {
        var outcomes = new Outcomes();
        using var client = new SignedClient(node.Broker.Endpoint);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var next = -1;
        async Task WorkAsync()
        {
            while (!bound.IsCancellationRequested && Interlocked.Increment(ref next) < requests)
            {
                try
                {
                    var (status, body) = await client.CallAsync("redshift", "GetClusterCredentials", node.Root, ("ClusterIdentifier", "main"), ("DbUser", "app"));
                    if (outcomes.Record(status, body) is { } requestId)
                    {
                        issued[requestId] = body.Find("DbUser")!;
                        if (outcomes.Acknowledged >= whenAcknowledged)
                        {
                            reached.TrySetResult();
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Xml.XmlException)
                {
                    // The broker died under this request: it was never acknowledged.
                    outcomes.RecordLost();
                }
            }
        }

        var workers = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(WorkAsync)));
        await Task.WhenAny(reached.Task, workers);
        await fault();
        await workers;
        Assert.False(bound.IsCancellationRequested, "the burst did not finish within its time bound");
        Assert.True(outcomes.Acknowledged >= whenAcknowledged, outcomes.Summary("before the fault"));
        return outcomes;
    }

    private static async Task WaitForIssuanceAsync(Node node, ConcurrentDictionary<string, string> issued)
    {
        using var client = new SignedClient(node.Broker.Endpoint);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (status, body) = await client.CallAsync("redshift", "GetClusterCredentials", node.Root, ("ClusterIdentifier", "main"), ("DbUser", "app"));
            if (status == HttpStatusCode.OK)
            {
                issued[body.Find("RequestId")!] = body.Find("DbUser")!;
                return;
            }

            Assert.Equal("ServiceUnavailable", body.Find("Code"));
            Assert.True(DateTime.UtcNow < until, "issuance did not recover within 60 s of PostgreSQL's restart");
            await Task.Delay(500);
        }
    }

    /// <summary>What the clients saw: acknowledged, refused (by status and code; always AWS-shaped), or the connection lost.</summary>
    private sealed class Outcomes
    {
        private readonly ConcurrentDictionary<string, int> _refusals = new(StringComparer.Ordinal);
        private int _acknowledged;
        private int _lost;

        public int Acknowledged => Volatile.Read(ref _acknowledged);

        public int Lost => Volatile.Read(ref _lost);

        public int Refused => _refusals.Values.Sum();

        public IReadOnlyCollection<string> RefusalKinds => [.. _refusals.Keys];

        /// <summary>The request id of an acknowledged answer, or null for an (asserted AWS-shaped) refusal.</summary>
        public string? Record(HttpStatusCode status, System.Xml.Linq.XElement body)
        {
            var requestId = body.Find("RequestId");
            Assert.False(string.IsNullOrEmpty(requestId), $"an answer without a request id: {(int)status} {body}");
            if (status == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref _acknowledged);
                return requestId;
            }

            Assert.True(body.Name.LocalName == "ErrorResponse" && body.Find("Code") is not null, $"not an AWS error: {(int)status} {body}");
            _refusals.AddOrUpdate($"{(int)status} {body.Find("Code")}", 1, (_, n) => n + 1);
            return null;
        }

        public void RecordLost() => Interlocked.Increment(ref _lost);

        public string Summary(string scenario) =>
            $"{scenario}: {Acknowledged} acknowledged, {Lost} connections lost, {Refused} refused"
            + string.Concat(_refusals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"; {r.Key} x {r.Value}"));
    }

    /// <summary>One <c>iamdb server</c> process on the test's PostgreSQL store, its config file and root key.</summary>
    private sealed class Node : IAsyncDisposable
    {
        public const string StoreDatabase = "iamdb_store";

        private Node(BrokerProcess broker, string directory, string configPath, Dictionary<string, string> environment)
        {
            Broker = broker;
            Directory = directory;
            ConfigPath = configPath;
            Environment = environment;
            Root = SignedClient.ReadProfile(Path.Combine(directory, "credentials"));
        }

        public BrokerProcess Broker { get; }

        public string Directory { get; }

        public string ConfigPath { get; }

        public Dictionary<string, string> Environment { get; }

        public SigningCredentials Root { get; }

        /// <summary>Starts a node; a first start creates the store database, a restart (same directory) reuses everything.</summary>
        public static async Task<Node> StartAsync(RestartablePostgres pg, string? directory = null)
        {
            var restart = directory is not null;
            directory ??= System.IO.Directory.CreateTempSubdirectory("iamdb-faults-").FullName;
            var configPath = Path.Combine(directory, "iamdb.toml");
            var keyPath = Path.Combine(directory, "test-master-key");
            if (!restart)
            {
                await pg.CreateDatabaseAsync(StoreDatabase);
                await File.WriteAllTextAsync(keyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                // Key cache off: every request reads its signing secret from the store, the path that used to answer 500.
                await File.WriteAllTextAsync(
                    configPath,
                    $"""
                    urls = ["http://127.0.0.1:0"]
                    data_dir = "{directory}"
                    account_id = "555566667777"
                    master_key_env = "IAMDB_TEST_MASTER_KEY"
                    credential_cache_seconds = 0
                    [store]
                    kind = "postgres"
                    connection_string = "{new Npgsql.NpgsqlConnectionStringBuilder(pg.ConnectionString(StoreDatabase)) { Password = null }.ConnectionString};Timeout=15;Command Timeout=15"
                    password_env = "IAMDB_TEST_STORE_PASSWORD"
                    """);
            }

            var environment = new Dictionary<string, string>
            {
                ["IAMDB_TEST_MASTER_KEY"] = (await File.ReadAllTextAsync(keyPath)).Trim(),
                ["IAMDB_TEST_STORE_PASSWORD"] = new Npgsql.NpgsqlConnectionStringBuilder(pg.ConnectionString(StoreDatabase)).Password!,
            };
            var broker = await BrokerProcess.StartAsync(["server", "--config", configPath], directory, environment);
            return new Node(broker, directory, configPath, environment);
        }

        public ValueTask DisposeAsync() => Broker.DisposeAsync();
    }
}
