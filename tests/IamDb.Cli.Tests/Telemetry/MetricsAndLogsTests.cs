using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Telemetry;

/// <summary>
/// A real <c>iamdb server</c> with JSON logs and a separate metrics listener: real requests (IamDb.Client and SigV4 over
/// loopback, a real PostgreSQL cluster) move the Prometheus counters and histograms with the right labels, every stderr
/// line is one JSON object, each request has its log line, and no secret appears in any output.
/// </summary>
public sealed class MetricsAndLogsTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RealRequests_MoveTheMetrics_AndEachHasOneJsonLogLine_WithNoSecretAnywhere()
    {
        var root = Directory.CreateTempSubdirectory("iamdb-telemetry-").FullName;
        var dataDir = Path.Combine(root, "data");
        var metricsPort = FreePort();
        var config = Path.Combine(root, "broker.toml");
        await File.WriteAllTextAsync(
            config,
            $"""
            urls = ["http://127.0.0.1:0"]
            data_dir = "{dataDir}"
            [throttling]
            failed_auth_burst = 3
            failed_auth_rate_per_second = 0.01
            [metrics]
            listen = "127.0.0.1:{metricsPort}"
            live_credentials_interval_seconds = 1
            [logging]
            format = "json"
            """, TestContext.Current.CancellationToken);
        var database = await postgres.CreateDatabaseAsync("telemetry");
        var adminPassword = new Npgsql.NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password!;
        var secrets = new List<string> { adminPassword };
        await using var server = await ServerProcess.StartAsync(config);
        try
        {
            using var http = new HttpClient { Timeout = Patience };
            var scrapeUrl = $"http://127.0.0.1:{metricsPort}/metrics";
            Assert.Contains($"metrics:        {scrapeUrl}", server.Stdout, StringComparison.Ordinal);
            var rootKey = SignedClient.ReadProfile(Path.Combine(dataDir, "credentials"));
            secrets.Add(rootKey.SecretAccessKey);
            using var signed = new SignedClient(server.Endpoint);
            using var connection = ServiceConnection.ForEndpoint(
                new Uri(server.Endpoint), "us-east-1", AwsCredentialSource.FromProfile("iamdb", Path.Combine(dataDir, "credentials")));
            var requests = 0;

            // IAM and STS, a success and an error, long-term keys and a session.
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await signed.CallAsync("sts", "GetCallerIdentity", rootKey)).Status);
                requests++;
            }

            Assert.Equal(HttpStatusCode.NotFound, (await signed.CallAsync("iam", "GetUser", rootKey, ("UserName", "nobody"))).Status);
            Assert.Equal(HttpStatusCode.OK, (await signed.CallAsync("iam", "CreateUser", rootKey, ("UserName", "alice"))).Status);
            var created = await signed.CallAsync("iam", "CreateAccessKey", rootKey, ("UserName", "alice"));
            var alice = new SigningCredentials(created.Body.Find("AccessKeyId")!, created.Body.Find("SecretAccessKey")!);
            secrets.Add(alice.SecretAccessKey);
            var session = await signed.CallAsync("sts", "GetSessionToken", alice);
            var sessionKey = new SigningCredentials(session.Body.Find("AccessKeyId")!, session.Body.Find("SecretAccessKey")!, session.Body.Find("SessionToken")!);
            secrets.Add(sessionKey.SecretAccessKey);
            secrets.Add(sessionKey.SessionToken!);
            Assert.Equal(HttpStatusCode.OK, (await signed.CallAsync("sts", "GetCallerIdentity", sessionKey)).Status);
            requests += 5;

            // Redshift on a real cluster: register, one credential issued, one refused by the cluster (no such user).
            var cluster = "m" + Guid.NewGuid().ToString("N")[..10];
            await connection.CallAsync(
                connection.Request(AwsServices.Redshift, "RegisterCluster")
                    .Add("ClusterIdentifier", cluster).Add("Host", postgres.Server.Host).Add("Port", postgres.Server.Port)
                    .Add("DBName", database).Add("MasterUsername", postgres.Server.SuperUser).Add("MasterUserPassword", adminPassword),
                CancellationToken.None);
            var credential = await connection.Redshift.GetClusterCredentialsAsync(
                new GetClusterCredentialsRequest { ClusterIdentifier = cluster, DbUser = "metrics_app", AutoCreate = true }, TestContext.Current.CancellationToken);
            secrets.Add(credential.DbPassword);
            var refused = await Assert.ThrowsAsync<AwsServiceException>(() => connection.Redshift.GetClusterCredentialsAsync(
                new GetClusterCredentialsRequest { ClusterIdentifier = cluster, DbUser = "no_such_user" }, TestContext.Current.CancellationToken));
            Assert.Equal("InvalidParameterValue", refused.Code);
            requests += 3;

            // A made-up, multi-line action: counted under "unknown"; signed, it is logged as "(invalid)" (no forged log line).
            Assert.Equal(HttpStatusCode.BadRequest, (await signed.CallAsync("iam", "Bogus\nInjected", rootKey)).Status);
            using (var bogus = await http.PostAsync(server.Endpoint + "/", new StringContent("Action=Bogus%0AInjected&Version=2010-05-08", Encoding.UTF8, "application/x-www-form-urlencoded"), TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Forbidden, bogus.StatusCode);
            }

            requests += 2;

            var metrics = await ScrapeUntilAsync(http, scrapeUrl, m => m.Value("iamdb_credentials_live", ("cluster", cluster)) == 1);
            Assert.Equal(4, metrics.Value("iamdb_requests_total", ("service", "sts"), ("action", "GetCallerIdentity"), ("outcome", "Success")));
            Assert.Equal(4, metrics.Value("iamdb_request_duration_seconds_count", ("service", "sts"), ("action", "GetCallerIdentity"), ("outcome", "Success")));
            Assert.True(metrics.Value("iamdb_request_duration_seconds_sum", ("service", "sts"), ("action", "GetCallerIdentity"), ("outcome", "Success")) > 0);
            Assert.Equal(4, metrics.Value("iamdb_request_duration_seconds_bucket", ("service", "sts"), ("action", "GetCallerIdentity"), ("outcome", "Success"), ("le", "+Inf")));
            Assert.Equal(1, metrics.Value("iamdb_requests_total", ("service", "iam"), ("action", "GetUser"), ("outcome", "NoSuchEntity")));
            Assert.Equal(1, metrics.Value("iamdb_requests_total", ("service", "redshift"), ("action", "GetClusterCredentials"), ("outcome", "Success")));
            Assert.Equal(1, metrics.Value("iamdb_requests_total", ("service", "redshift"), ("action", "GetClusterCredentials"), ("outcome", "InvalidParameterValue")));
            Assert.Equal(1, metrics.Value("iamdb_requests_total", ("service", "unknown"), ("action", "unknown"), ("outcome", "MissingAuthenticationToken")));
            Assert.Equal(1, metrics.Value("iamdb_requests_total", ("service", "iam"), ("action", "unknown"), ("outcome", "InvalidAction")));
            Assert.Equal(requests, metrics.Sum("iamdb_requests_total"));
            Assert.Equal(1, metrics.Value("iamdb_credentials_issued_total", ("cluster", cluster)));
            Assert.Equal(1, metrics.Value("iamdb_credentials_issue_duration_seconds_count", ("cluster", cluster), ("outcome", "success")));
            Assert.Equal(1, metrics.Sum("iamdb_credentials_failed_total", ("cluster", cluster)));
            Assert.Equal(1, metrics.Value("iamdb_credentials_issue_duration_seconds_count", ("cluster", cluster), ("outcome", "failure")));
            Assert.Equal(1, metrics.Value("iamdb_credentials_live", ("cluster", cluster)));
            Assert.Equal(requests, metrics.Value("iamdb_audit_records_total", ("outcome", "ok")));
            Assert.True(metrics.Sum("iamdb_audit_commit_duration_seconds_count") >= 1);
            Assert.Equal(0, metrics.Value("iamdb_audit_queue_depth"));
            Assert.Null(metrics.Value("iamdb_throttled_requests_total", ("reason", "failed_authentication")));

            // Bad signatures spend the address's budget (the bogus request spent one): the next is throttled and counted.
            var forged = new SigningCredentials(rootKey.AccessKeyId, "not-the-secret-" + Guid.NewGuid().ToString("N"));
            Assert.Equal(HttpStatusCode.Forbidden, (await signed.CallAsync("sts", "GetCallerIdentity", forged)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await signed.CallAsync("sts", "GetCallerIdentity", forged)).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await signed.CallAsync("sts", "GetCallerIdentity", rootKey)).Status);
            requests += 3;
            metrics = await ScrapeUntilAsync(http, scrapeUrl, _ => true);
            Assert.Equal(1, metrics.Value("iamdb_throttled_requests_total", ("reason", "failed_authentication")));
            Assert.Equal(1, metrics.Value("iamdb_requests_total", ("service", "unknown"), ("action", "unknown"), ("outcome", "Throttling"))); // refused unread
            Assert.Equal(2, metrics.Value("iamdb_requests_total", ("service", "sts"), ("action", "GetCallerIdentity"), ("outcome", "SignatureDoesNotMatch")));

            // No label names an ARN or the account; the broker's own port does not serve the scrape.
            Assert.DoesNotContain("arn:", metrics.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(File.ReadAllText(Path.Combine(dataDir, "account-id")).Trim(), metrics.Text, StringComparison.Ordinal);
            using (var onBrokerPort = await http.GetAsync(server.Endpoint + "/metrics", TestContext.Current.CancellationToken))
            {
                Assert.DoesNotContain("iamdb_requests_total", await onBrokerPort.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }

            requests++; // that GET went through the pipeline (and was throttled: the address spent its budget)
            await server.StopAsync();

            // Every stderr line is one JSON object; one request line per request, with its fields.
            var lines = server.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var entries = lines.Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
            Assert.All(entries, e => Assert.True(
                DateTimeOffset.TryParse(e.GetProperty("Timestamp").GetString(), CultureInfo.InvariantCulture, out _) && e.TryGetProperty("LogLevel", out _)));
            var requestLines = entries.Where(e => e.GetProperty("Category").GetString() == "IamDb.Broker.Requests").Select(e => e.GetProperty("State")).ToList();
            Assert.Equal(requests, requestLines.Count);
            var issued = Assert.Single(requestLines, s => s.GetProperty("Action").GetString() == "GetClusterCredentials" && s.GetProperty("Outcome").GetString() == "Success");
            Assert.Equal(36, issued.GetProperty("RequestId").GetString()!.Length);
            Assert.EndsWith(":root", issued.GetProperty("Caller").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("arn:aws:iam::", issued.GetProperty("Caller").GetString(), StringComparison.Ordinal);
            Assert.Equal(200, issued.GetProperty("Status").GetInt32());
            Assert.True(issued.GetProperty("ElapsedMs").GetDouble() > 0);
            Assert.Equal("redshift", issued.GetProperty("Service").GetString());
            var viaSession = Assert.Single(requestLines, s => s.GetProperty("Caller").GetString()!.Contains(":user/alice", StringComparison.Ordinal)
                                                              && s.GetProperty("Action").GetString() == "GetCallerIdentity");
            Assert.Equal("Success", viaSession.GetProperty("Outcome").GetString());
            var unsignedLine = Assert.Single(requestLines, s => s.GetProperty("Outcome").GetString() == "MissingAuthenticationToken");
            Assert.Equal("-", unsignedLine.GetProperty("Action").GetString());
            Assert.Equal("anonymous", unsignedLine.GetProperty("Caller").GetString());
            var bogusLine = Assert.Single(requestLines, s => s.GetProperty("Outcome").GetString() == "InvalidAction");
            Assert.Equal("(invalid)", bogusLine.GetProperty("Action").GetString());
            Assert.DoesNotContain(lines, l => l.StartsWith("Injected", StringComparison.Ordinal));
            Assert.Contains(entries, e => e.GetProperty("EventId").GetInt32() == 1001 && e.GetProperty("Category").GetString() == "IamDb.Broker");
            Assert.Contains(entries, e => e.GetProperty("EventId").GetInt32() == 1002);
            Assert.Equal(1003, entries[^1].GetProperty("EventId").GetInt32()); // the stopped line is written, and last

            foreach (var secret in secrets)
            {
                Assert.False(server.Stderr.Contains(secret, StringComparison.Ordinal), "a secret appeared in the broker's log");
                Assert.False(server.Stdout.Contains(secret, StringComparison.Ordinal), "a secret appeared in the broker's standard output");
                Assert.False(metrics.Text.Contains(secret, StringComparison.Ordinal), "a secret appeared in /metrics");
            }
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task TextLogs_CarryTimestamps_AndMetricsOff_ServesNoScrape()
    {
        var root = Directory.CreateTempSubdirectory("iamdb-telemetry-").FullName;
        var config = Path.Combine(root, "broker.toml");
        await File.WriteAllTextAsync(
            config,
            $"""
            urls = ["http://127.0.0.1:0"]
            data_dir = "{Path.Combine(root, "data")}"
            [metrics]
            enabled = false
            [logging]
            format = "text"
            level = "information"
            """, TestContext.Current.CancellationToken);
        await using var server = await ServerProcess.StartAsync(config);
        try
        {
            using var http = new HttpClient { Timeout = Patience };
            using (var scrape = await http.GetAsync(server.Endpoint + "/metrics", TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Forbidden, scrape.StatusCode); // an unsigned AWS request, not a scrape
            }

            await server.StopAsync();
            Assert.DoesNotContain("metrics:", server.Stdout, StringComparison.Ordinal);
            var lines = server.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            Assert.All(lines, line => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn|fail|crit): ", line));
            Assert.Contains(lines, l => l.Contains("IamDb.Broker.Requests[4001]", StringComparison.Ordinal) && l.Contains("MissingAuthenticationToken (403)", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("IamDb.Broker[1001]", StringComparison.Ordinal) && l.Contains("metrics off", StringComparison.Ordinal));
            Assert.Contains("IamDb.Broker[1003]", lines[^1], StringComparison.Ordinal); // the stopped line is written, and last
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task BadMetricsAndLoggingSettings_AreAllReportedAtOnce()
    {
        var root = Directory.CreateTempSubdirectory("iamdb-telemetry-").FullName;
        try
        {
            var config = Path.Combine(root, "broker.toml");
            await File.WriteAllTextAsync(
                config,
                $"""
                data_dir = "{Path.Combine(root, "data")}"
                [metrics]
                listen = "somewhere:x"
                port = 9464
                [logging]
                format = "xml"
                level = "loud"
                """, TestContext.Current.CancellationToken);
            var (exitCode, _, stderr) = await IamdbProcess.RunAsync(["server", "--config", config]);
            Assert.Equal(ExitCodes.Usage, exitCode);
            Assert.Contains("metrics.port: unknown setting", stderr, StringComparison.Ordinal);
            Assert.Contains("logging.format `xml`: must be `text` or `json`", stderr, StringComparison.Ordinal);
            Assert.Contains("logging.level `loud`", stderr, StringComparison.Ordinal);

            await File.WriteAllTextAsync(config, $"data_dir = \"{Path.Combine(root, "data")}\"\n[metrics]\nlisten = \"somewhere:x\"\n", TestContext.Current.CancellationToken);
            (exitCode, _, stderr) = await IamdbProcess.RunAsync(["server", "--config", config]);
            Assert.Equal(ExitCodes.Usage, exitCode);
            Assert.Contains("metrics.listen `somewhere:x`: must be HOST:PORT", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<PrometheusText> ScrapeUntilAsync(HttpClient http, string url, Func<PrometheusText, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var metrics = new PrometheusText(await response.Content.ReadAsStringAsync());
            if (done(metrics) || deadline.Elapsed > Patience)
            {
                return metrics;
            }

            await Task.Delay(200);
        }
    }

    /// <summary><c>iamdb server</c> as a process: stdout up to the ready text, all of stderr, SIGTERM to stop.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private int _disposed;

        private ServerProcess(Process process) => _process = process;

        public string Endpoint { get; private set; } = "";

        public string Stdout
        {
            get
            {
                lock (_stdout)
                {
                    return _stdout.ToString();
                }
            }
        }

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

        public static async Task<ServerProcess> StartAsync(string config)
        {
            var server = new ServerProcess(IamdbProcess.Start(["server", "--config", config]));
            var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            server._process.OutputDataReceived += (_, e) =>
            {
                lock (server._stdout)
                {
                    server._stdout.AppendLine(e.Data);
                }

                if (e.Data?.StartsWith("  clusters:", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult(server.Stdout);
                }
            };
            server._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (server._stderr)
                    {
                        server._stderr.AppendLine(e.Data);
                    }
                }
            };
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            var finished = await Task.WhenAny(ready.Task, server._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            if (finished != ready.Task)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"iamdb server did not become ready: {CliResult.Redact(server.Stderr)}");
            }

            const string prefix = "IamDb ready at ";
            server.Endpoint = server.Stdout.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
            return server;
        }

        /// <summary>SIGTERM, as a service manager stops it, and waits (at most 30 s) for the graceful exit.</summary>
        public async Task StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, _process.ExitCode);
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
