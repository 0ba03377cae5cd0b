using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IamDb.Aws.Signing;
using static IamDb.Broker.LoadTest.Program;

namespace IamDb.Broker.LoadTest;

/// <summary>
/// The federation scenarios of the load generator (issue 16 "Performance"): <c>web-identity</c> loads
/// <c>AssumeRoleWithWebIdentity</c> with tokens from <see cref="BenchOidcIssuer"/> (keys cached by the broker after the
/// warm-up), <c>saml</c> loads <c>AssumeRoleWithSAML</c> with Responses from <see cref="BenchSamlIdp"/>, each used once.
/// The provider and role are created through the broker's IAM API (signed with the admin key), so the same run works
/// in-process and against a running <c>iamdb server</c> (<c>--url --credentials [--pid]</c>). Tokens and Responses are
/// signed before the timed phase: what is measured is the broker's verification, trust policy and session, not the
/// generator's signing. Requests are unsigned, as AWS's clients send these two calls.
/// </summary>
internal static partial class FederationScenarios
{
    public static async Task<int> RunAsync(string scenario, string[] args)
    {
        if (scenario is not ("web-identity" or "saml"))
        {
            Console.Error.WriteLine($"unknown --scenario {scenario}: gci (the default), web-identity or saml");
            return 2;
        }

        var connections = IntArg(args, "--connections", 16);
        var seconds = IntArg(args, "--seconds", 10);
        var warmup = IntArg(args, "--warmup", 5);
        var maxRequests = IntArg(args, "--max-requests", 2_000_000);

        // Open-loop pacing: --rate N sends N requests/s in all, spread over the connections, and measures each latency
        // from when its request was due (a late answer delays the next send but still counts; no coordinated omission).
        var rate = IntArg(args, "--rate", 0);

        // SAML responses are used once: the pool bounds the run (warm-up included). 12,000 covers 15 s at 800/s.
        var pool = IntArg(args, "--pool", scenario == "saml" ? 12_000 : 512);
        var pid = StringArg(args, "--pid");
        using var allocations = args.Contains("--allocations") ? new AllocationSampler() : null;
        await using var target = await LoadTarget.StartAsync(args);
        if (target is null)
        {
            return 2;
        }

        var (uri, url) = (target.Uri, target.Url);
        using var client = CreateClient(connections);
        var iam = new IamClient(client, uri, target.Credentials);
        await using var issuer = scenario == "web-identity" ? await BenchOidcIssuer.StartAsync() : null;
        using var idp = scenario == "saml" ? new BenchSamlIdp() : null;

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var signing = Stopwatch.StartNew();
        byte[][] bodies;
        if (issuer is not null)
        {
            var provider = await iam.CallAsync("CreateOpenIDConnectProvider", "OpenIDConnectProviderArn",
                ("Url", issuer.IssuerUrl), ("ClientIDList.member.1", BenchOidcIssuer.Audience), ("ThumbprintList.member.1", issuer.Thumbprint));
            var trust = $$"""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},"Action":"sts:AssumeRoleWithWebIdentity",
                  "Condition":{"StringEquals":{"{{issuer.HostAndPath}}:sub":"system:serviceaccount:bench:loader","{{issuer.HostAndPath}}:aud":"{{BenchOidcIssuer.Audience}}"} } }]}
                """;
            var role = await iam.CallAsync("CreateRole", "Arn", ("RoleName", "bench-web-identity-" + suffix), ("AssumeRolePolicyDocument", trust));

            // Tokens carry no replay protection (AWS has none for them either): a pool of distinct tokens is cycled.
            bodies = new byte[pool][];
            Parallel.For(0, pool, i => bodies[i] = Form(
                ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role), ("RoleSessionName", $"bench-{i}"),
                ("WebIdentityToken", issuer.Sign("system:serviceaccount:bench:loader", TimeSpan.FromMinutes(30)))));
        }
        else
        {
            var provider = await iam.CallAsync("CreateSAMLProvider", "SAMLProviderArn", ("Name", "bench-idp-" + suffix), ("SAMLMetadataDocument", idp!.MetadataXml()));
            var trust = $$"""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"{{provider}}"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],
                  "Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"} } }]}
                """;
            var role = await iam.CallAsync("CreateRole", "Arn", ("RoleName", "bench-saml-" + suffix), ("AssumeRolePolicyDocument", trust));
            bodies = new byte[pool][];
            Parallel.For(0, pool, i => bodies[i] = Form(
                ("Action", "AssumeRoleWithSAML"), ("Version", "2011-06-15"), ("RoleArn", role), ("PrincipalArn", provider),
                ("SAMLAssertion", idp.SignedResponse(role, provider, $"user{i}@bench.example", TimeSpan.FromMinutes(30)))));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scenario {scenario}: {pool} {(scenario == "saml" ? "signed responses (each used once)" : "signed tokens (cycled)")} prepared in {signing.Elapsed.TotalSeconds:0.0} s, "
            + $"{bodies.Sum(b => (long)b.Length) / pool} bytes per request"));
        Console.WriteLine($"target {url}, {connections} connections, {seconds} s after {warmup} s warm-up, at most {maxRequests} requests, "
            + $"{Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, load average {LoadAverage()}"
            + (rate > 0 ? $", offered {rate} requests/s" : ", closed loop (each connection sends as soon as its last answer arrived)"));

        var next = -1;
        byte[]? Next()
        {
            var i = Interlocked.Increment(ref next);
            return scenario == "saml" ? (i < bodies.Length ? bodies[i] : null) : bodies[i % bodies.Length];
        }

        var warm = await RunAsync(client, uri, Next, connections, rate, TimeSpan.FromSeconds(warmup), maxRequests);
        if (warm.Latencies.Count == 0)
        {
            Console.Error.WriteLine($"warm-up: no request succeeded; errors: {string.Join(", ", warm.ErrorCodes.Select(e => $"{e.Key} x{e.Value}"))}");
            return 1;
        }

        var jwksBefore = issuer?.JwksFetches ?? 0;
        allocations?.Enabled = true;
        var cpuBefore = CpuTime(pid);
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        var result = await RunAsync(client, uri, Next, connections, rate, TimeSpan.FromSeconds(seconds), maxRequests);
        var cpu = CpuTime(pid) - cpuBefore;
        var gc = (GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3,
            GC.GetTotalAllocatedBytes() - gcBefore.Item4);

        var all = result.Latencies;
        all.Sort();
        var calls = Math.Max(1, all.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sessions {all.Count} ok, {result.Errors} errors in {result.Elapsed.TotalSeconds:0.00} s = {all.Count / result.Elapsed.TotalSeconds:0} sessions/s{(result.PoolExhausted ? " (the response pool ran out: raise --pool)" : "")}"));
        foreach (var (code, count) in result.ErrorCodes)
        {
            Console.WriteLine($"  error {code} x{count}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency p50 {Ms(Percentile(all, 0.50)):0.00} ms, p90 {Ms(Percentile(all, 0.90)):0.00} ms, p99 {Ms(Percentile(all, 0.99)):0.00} ms, max {Ms(all.Count > 0 ? all[^1] : 0):0.00} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(pid is null ? "process (broker + generator)" : "broker")} CPU {cpu.TotalMilliseconds:0} ms = {cpu.TotalMicroseconds / calls:0} µs per call"));
        if (pid is null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"process (broker + generator) allocated {gc.Item4 / (double)calls:0} bytes per call, GCs gen0 {gc.Item1} / gen1 {gc.Item2} / gen2 {gc.Item3}"));
        }

        if (allocations is not null)
        {
            allocations.Enabled = false;
            foreach (var (type, bytes) in allocations.Top(25))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / (double)calls,8:0} B/call  {type}"));
            }
        }

        if (issuer is not null)
        {
            Console.WriteLine($"issuer key set fetched {issuer.JwksFetches} times in all, {issuer.JwksFetches - jwksBefore} in the measured window");
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private sealed record RunResult(List<long> Latencies, long Errors, IReadOnlyDictionary<string, int> ErrorCodes, TimeSpan Elapsed, bool PoolExhausted);

    private static async Task<RunResult> RunAsync(HttpClient client, Uri uri, Func<byte[]?> next, int connections, int rate, TimeSpan duration, int maxRequests)
    {
        var remaining = maxRequests;
        long errors = 0;
        var exhausted = false;
        var codes = new ConcurrentDictionary<string, int>();
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, connections).Select(async worker =>
        {
            var latencies = new List<long>(50_000);
            for (long sent = 0; Stopwatch.GetTimestamp() < stopAt && Interlocked.Decrement(ref remaining) >= 0; sent++)
            {
                // Paced: this connection's n-th request is due at (n × connections + worker) / rate after the start.
                var due = rate > 0 ? started + (long)((sent * connections + worker) * (double)Stopwatch.Frequency / rate) : 0;
                if (rate > 0 && Stopwatch.GetTimestamp() < due)
                {
                    await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due));
                }

                if (next() is not { } body)
                {
                    exhausted = true;
                    break;
                }

                using var content = new ByteArrayContent(body);
                content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
                var t0 = rate > 0 ? Math.Min(due, Stopwatch.GetTimestamp()) : Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                var answer = await response.Content.ReadAsByteArrayAsync();
                var t1 = Stopwatch.GetTimestamp();
                if (response.IsSuccessStatusCode)
                {
                    latencies.Add(t1 - t0);
                }
                else
                {
                    // Only the error code is kept: an answer body is never printed (a success would carry a secret key).
                    Interlocked.Increment(ref errors);
                    var code = ErrorCode().Match(Encoding.UTF8.GetString(answer)) is { Success: true } m ? m.Groups[1].Value : $"HTTP {(int)response.StatusCode}";
                    codes.AddOrUpdate(code, 1, (_, n) => n + 1);
                }
            }

            return latencies;
        }).ToList();
        var lists = await Task.WhenAll(workers);
        return new RunResult(lists.SelectMany(l => l).ToList(), errors, codes, Stopwatch.GetElapsedTime(started), exhausted);
    }

    /// <summary>IAM calls for the scenario's set-up, signed with the admin key.</summary>
    private sealed class IamClient(HttpClient client, Uri uri, SigningCredentials admin)
    {
        /// <summary>Calls <paramref name="action"/> and returns the text of the answer's <paramref name="resultElement"/>.</summary>
        public async Task<string> CallAsync(string action, string resultElement, params (string, string)[] parameters)
        {
            var body = Form([("Action", action), ("Version", "2010-05-08"), .. parameters]);
            var headers = new List<KeyValuePair<string, string>> { new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8") };
            var signature = SigV4Signer.SignHeaders(SigV4Request.FromUri("POST", uri, headers, body), admin, "us-east-1", "iam", DateTimeOffset.UtcNow);
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
            foreach (var (name, value) in signature.HeadersToAdd)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var match = Regex.Match(text, $"<{resultElement}>([^<]*)</{resultElement}>", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return response.IsSuccessStatusCode && match.Success
                ? System.Net.WebUtility.HtmlDecode(match.Groups[1].Value)
                : throw new InvalidOperationException($"{action}: HTTP {(int)response.StatusCode} {text}");
        }
    }

    private static byte[] Form(params (string Key, string Value)[] parameters) =>
        Encoding.ASCII.GetBytes(string.Join("&", parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));

    [GeneratedRegex("<Code>([^<]*)</Code>", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorCode();

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
