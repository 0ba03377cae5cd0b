using System.Diagnostics;
using System.Globalization;
using System.Text;
using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Broker.Telemetry;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.LoadTest;

/// <summary>
/// Loopback load generator for <c>sts:GetCallerIdentity</c>: N keep-alive connections send signed requests for a fixed
/// time (bounded by a request count too) and report throughput, latency percentiles and the broker's memory.
/// Usage: <c>dotnet run -c Release --project bench/IamDb.Broker.LoadTest -- [--connections 32] [--seconds 10]
/// [--warmup 5] [--telemetry on|off|metrics|log] [--allocations] [--max-requests 2000000] [--postgres CONN]
/// [--url http://127.0.0.1:PORT --credentials DATA/credentials [--pid BROKER_PID]]</c> (<see cref="LoadTarget"/>),
/// or <c>--log-cost N [--rounds 3]</c> (see <see cref="LogLineCost"/>).
/// Without <c>--url</c> it starts a broker in-process on a temporary data directory (memory is then the whole process).
/// </summary>
internal static class Program
{
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("Action=GetCallerIdentity&Version=2011-06-15");

    public static async Task<int> Main(string[] args)
    {
        if (StringArg(args, "--log-cost") is not null)
        {
            LogLineCost.Run(IntArg(args, "--log-cost", 200_000), IntArg(args, "--rounds", 3));
            return 0;
        }

        // --scenario web-identity|saml: the federation calls (FederationScenarios.cs); gci, the default, is what follows.
        if (StringArg(args, "--scenario") is { } scenario and not "gci")
        {
            return await FederationScenarios.RunAsync(scenario, args);
        }

        var connections = IntArg(args, "--connections", 32);
        var seconds = IntArg(args, "--seconds", 10);
        var warmup = IntArg(args, "--warmup", 5);
        var maxRequests = IntArg(args, "--max-requests", 2_000_000);
        using var allocations = args.Contains("--allocations") ? new AllocationSampler() : null;
        await using var target = await LoadTarget.StartAsync(args);
        if (target is null)
        {
            return 2;
        }

        var (uri, credentials) = (target.Uri, target.Credentials);
        var url = target.Url;
        var pid = StringArg(args, "--pid");
        using var client = CreateClient(connections);
        Console.WriteLine($"target {url}, {connections} connections, {seconds} s after {warmup} s warm-up, at most {maxRequests} requests, "
            + $"{Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC");

        // Warm up: connections, caches and the JIT (tiered compilation keeps recompiling hot methods for several seconds on
        // a busy 2-core machine; counting that CPU would charge every request with a start-up cost).
        await RunAsync(client, uri, credentials, connections, TimeSpan.FromSeconds(warmup), maxRequests);
        allocations?.Enabled = true;
        var cpuBefore = CpuTime(pid);
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        var result = await RunAsync(client, uri, credentials, connections, TimeSpan.FromSeconds(seconds), maxRequests);
        var cpu = CpuTime(pid) - cpuBefore;
        var gc = (GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3,
            GC.GetTotalAllocatedBytes() - gcBefore.Item4);

        var all = result.Latencies;
        all.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests {all.Count} ok, {result.Errors} errors in {result.Elapsed.TotalSeconds:0.00} s = {all.Count / result.Elapsed.TotalSeconds:0} req/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency p50 {Ms(Percentile(all, 0.50)):0.00} ms, p90 {Ms(Percentile(all, 0.90)):0.00} ms, p99 {Ms(Percentile(all, 0.99)):0.00} ms, max {Ms(all.Count > 0 ? all[^1] : 0):0.00} ms"));
        // CPU per request is what a busy machine distorts least: throughput and latency depend on who else runs.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(pid is null ? "process (broker + generator)" : "broker")} CPU {cpu.TotalMilliseconds:0} ms = {cpu.TotalMicroseconds / Math.Max(1, all.Count):0.0} µs per request"));
        if (pid is not null)
        {
            Console.WriteLine($"broker process {pid} resident memory: {ReadRss(pid)}");
        }
        else
        {
            using var self = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"process (broker + generator) working set {self.WorkingSet64 / 1048576.0:0} MiB, GC heap {GC.GetTotalMemory(false) / 1048576.0:0} MiB"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"process (broker + generator) allocated {gc.Item4 / (double)Math.Max(1, all.Count):0} bytes per request, GCs gen0 {gc.Item1} / gen1 {gc.Item2} / gen2 {gc.Item3}"));
        }

        if (allocations is not null)
        {
            allocations.Enabled = false;
            foreach (var (type, bytes) in allocations.Top(25))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / (double)Math.Max(1, all.Count),8:0} B/request  {type}"));
            }
        }

        return 0;
    }

    private static async Task<(List<long> Latencies, long Errors, TimeSpan Elapsed)> RunAsync(
        HttpClient client, Uri uri, SigningCredentials credentials, int connections, TimeSpan duration, int maxRequests)
    {
        var remaining = maxRequests;
        long errors = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, connections).Select(async _ =>
        {
            var latencies = new List<long>(100_000);
            SigV4HeaderSignature? signature = null;
            var signedAt = 0L;
            while (Stopwatch.GetTimestamp() < stopAt && Interlocked.Decrement(ref remaining) >= 0)
            {
                var now = Stopwatch.GetTimestamp();
                if (signature is null || now - signedAt > Stopwatch.Frequency)
                {
                    // Clients sign each request; re-signing once a second keeps the generator's CPU for the broker.
                    signature = SigV4Signer.SignHeaders(SigV4Request.FromUri("POST", uri, [], Body), credentials, "us-east-1", "sts", DateTimeOffset.UtcNow);
                    signedAt = now;
                }

                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Body) };
                foreach (var (name, value) in signature.HeadersToAdd)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                var t0 = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                var t1 = Stopwatch.GetTimestamp();
                if (response.IsSuccessStatusCode)
                {
                    latencies.Add(t1 - t0);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }

            return latencies;
        }).ToList();
        var lists = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return (lists.SelectMany(l => l).ToList(), errors, elapsed);
    }

    internal static long Percentile(List<long> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    internal static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    internal static TimeSpan CpuTime(string? pid)
    {
        if (pid is null)
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }

        // /proc/PID/stat: utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static string ReadRss(string pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line?["VmRSS:".Length..].Trim() ?? "unknown";
    }

    /// <summary>What an SDK's client does and no more: no redirects, cookies or proxy lookups, no trace headers injected.</summary>
    internal static HttpClient CreateClient(int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ActivityHeadersPropagator = null,
        });

    internal static int IntArg(string[] args, string name, int fallback) =>
        StringArg(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    internal static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

/// <summary>
/// The broker a run loads: without <c>--url</c> one started in-process on a temporary data directory (deleted afterwards),
/// with its admin credentials from the generated file; with <c>--url --credentials DATA/credentials</c> a running one.
/// </summary>
internal sealed class LoadTarget : IAsyncDisposable
{
    private readonly BrokerHost? _host;
    private readonly string? _dataDirectory;

    private LoadTarget(string url, SigningCredentials credentials, BrokerHost? host, string? dataDirectory)
    {
        Url = url;
        Uri = new Uri(url + "/");
        Credentials = credentials;
        _host = host;
        _dataDirectory = dataDirectory;
    }

    public string Url { get; }

    public Uri Uri { get; }

    /// <summary>The admin's access key (the root credentials of an in-process broker).</summary>
    public SigningCredentials Credentials { get; }

    /// <summary>The target, or null (with the reason on stderr) when it is not on loopback.</summary>
    public static async Task<LoadTarget?> StartAsync(string[] args)
    {
        LoadTarget target;
        if (Program.StringArg(args, "--url") is { } url)
        {
            var file = Program.StringArg(args, "--credentials") ?? throw new ArgumentException("--credentials DATA/credentials is required with --url");
            target = new LoadTarget(url, ReadCredentials(file), null, null);
        }
        else
        {
            var dataDirectory = Directory.CreateTempSubdirectory("iamdb-load-").FullName;
            var options = new BrokerOptions { DataDirectory = dataDirectory };

            // --postgres CONN: the state store in PostgreSQL instead of the data directory's SQLite file. Every session is a
            // durable commit; PostgreSQL flushes concurrent commits together, SQLite's one writer flushes each alone.
            if (Program.StringArg(args, "--postgres") is { } postgres)
            {
                options.Store = StoreKind.Postgres;
                options.PostgresConnectionString = postgres;
            }

            // The generator is one address: the per-address budgets (signed calls, and the unsigned token-bearing calls) are lifted.
            options.ThrottleRatePerSecond = 1_000_000;
            options.ThrottleBurst = 1_000_000;

            // --telemetry on (the default, as `iamdb server` runs): /metrics recorded and one JSON request line per request
            // on stderr; off: no metrics, Warning-level logs. Comparing the two measures what observability costs.
            // metrics / log: one of the two alone, to tell their costs apart.
            var telemetry = Program.StringArg(args, "--telemetry") ?? "on";
            options.Metrics.Enabled = telemetry is "on" or "metrics";
            options.Logging.Level = telemetry is "on" or "log" ? LogLevel.Information : LogLevel.Warning;
            Console.WriteLine($"telemetry: metrics {(options.Metrics.Enabled ? "on" : "off")}, request log {(options.Logging.Level == LogLevel.Information ? "on (JSON, stderr)" : "off")}");
            var host = await BrokerHost.StartAsync(options, logging => logging.AddBrokerConsole(LogFormat.Json, options.Logging.Level));
            target = new LoadTarget(host.EndpointUrl, ReadCredentials(host.CredentialsFilePath), host, dataDirectory);
        }

        if (!target.Uri.IsLoopback)
        {
            Console.Error.WriteLine("refusing to load a non-loopback endpoint");
            return null;
        }

        return target;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();

            // The state holds ~1 KB of audit per request (a 20 s run leaves ~200 MB): left behind by every run, they fill /tmp.
            Directory.Delete(_dataDirectory!, recursive: true);
        }
    }

    private static SigningCredentials ReadCredentials(string path)
    {
        var lines = File.ReadAllLines(path);
        string Value(string key) => lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('=', 2)[1].Trim();
        return new SigningCredentials(Value("aws_access_key_id"), Value("aws_secret_access_key"));
    }
}
