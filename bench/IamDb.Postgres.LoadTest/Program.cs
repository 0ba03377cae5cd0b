using System.Diagnostics;
using System.Globalization;
using IamDb.Postgres.Credentials;
using IamDb.Postgres.LocalServer;
using Npgsql;

namespace IamDb.Postgres.LoadTest;

/// <summary>
/// Issuance load test against a throwaway PostgreSQL on 127.0.0.1 (started here from the machine's binaries, fsync on unless
/// <c>--no-fsync</c>). (a) the raw ceiling: IssueAsync's DDL batch sent straight with Npgsql; (b) IssueAsync itself, at the
/// same concurrencies, side by side; (c) with <c>--live</c>, how issuance cost grows with the number of live credentials.
/// Usage: <c>dotnet run -c Release --project bench/IamDb.Postgres.LoadTest -- [--connections 1,4,16] [--seconds 8]
/// [--max 20000] [--live 1000,10000,50000] [--iterations 4096] [--no-fsync] [--broker] [--broker-only] [--warm-up 20]</c>. With <c>--broker</c> each round also
/// runs GetClusterCredentials through an in-process broker over loopback HTTP. Every loop is bounded by time and count.
/// </summary>
internal static class Program
{
    private const string BaseUser = "adam";

    public static async Task<int> Main(string[] args)
    {
        var concurrencies = ListArg(args, "--connections", [1, 4, 16]);
        var seconds = IntArg(args, "--seconds", 8);
        var max = IntArg(args, "--max", 20_000);
        var live = ListArg(args, "--live", []);
        var durable = !args.Contains("--no-fsync");
        var iterations = IntArg(args, "--iterations", ScramVerifier.DefaultIterations);
        // The broker alone, for profiling it (perf record); implies --broker.
        var brokerOnly = args.Contains("--broker-only");
        Console.WriteLine($"uptime at start: {Uptime()}");
        Console.WriteLine($"{Environment.ProcessorCount} cores; fsync {(durable ? "on" : "off")}; {seconds} s per run, at most {max} credentials per run");

        MeasureVerifiers(iterations);
        if (args.Contains("--verifiers-only"))
        {
            return 0;
        }

        var dir = Directory.CreateTempSubdirectory("iamdb-pgload-").FullName;
        var password = PostgresClusterAdministration.NewPassword();
        await using var server = await LocalPostgresServer.StartAsync(
            new LocalPostgresOptions { Directory = dir, Durable = durable, MaxConnections = 200, Tls = true }, password);
        try
        {
            var endpoint = new ClusterEndpoint(server.Host, server.Port, "postgres", server.SuperUser, password);
            await using var source = server.CreateDataSource();
            await ExecAsync(source, $"CREATE ROLE {BaseUser} NOLOGIN");
            IReadOnlyList<string> databases;
            await using (var admin = new PostgresClusterAdministration())
            {
                databases = (await admin.PrepareAsync(endpoint, CancellationToken.None)).Databases;
            }

            // The raw side uses a pool configured exactly like IamDb's admin pools.
            await using var rawSource = AdminDataSources.Build(endpoint, "postgres");
            await using var broker = args.Contains("--broker") || brokerOnly ? await BrokerSession.StartAsync(endpoint) : null;
            Console.WriteLine($"PostgreSQL {server.Port} ready; base user {BaseUser}; databases {string.Join(", ", databases)}, each with its connect role");

            // The JIT recompiles hot code for about half a minute after start (perf: a third of the CPU in libclrjit during
            // the first runs), which a long-running broker pays once; the runs below measure the steady state after it.
            var warmUp = Stopwatch.StartNew();
            var warmUpSeconds = IntArg(args, "--warm-up", 20);
            // What is measured, by kind; the same list serves the warm-up and every round.
            var targets = new List<(string Kind, Func<IIssuanceTarget> Make)>();
            if (!brokerOnly)
            {
                targets.Add(("raw", () => new RawSqlTarget(rawSource, BaseUser, iterations)));
                targets.Add(("issue", () => new AdministrationTarget(endpoint, BaseUser, iterations)));
            }

            if (broker is not null)
            {
                targets.Add(("broker", () => new BrokerTarget(broker, BaseUser)));
            }

            for (var i = 0; warmUp.Elapsed.TotalSeconds < warmUpSeconds && i < 100; i++)
            {
                await RunAsync(targets[i % targets.Count].Make(), concurrencies.Max(), 2, max, silent: true, reset: () => ResetCatalogAsync(source));
            }

            Console.WriteLine($"(warm-up: {warmUp.Elapsed.TotalSeconds:0} s of issuance, not measured)");
            Console.WriteLine();
            Console.WriteLine("concurrency | target                                   | credentials |  per second |  p50 ms |  p99 ms | errors | CPU ms/credential: here | postgres");
            double ceilingRaw = 0, ceilingBroker = 0;
            foreach (var n in concurrencies)
            {
                // Twice each, the order reversed in the second round, and the catalog reset before every run (warm-up
                // included), so neither the machine's drift nor the roles an earlier run left behind favour one side.
                var sums = targets.ToDictionary(t => t.Kind, _ => 0.0);
                for (var round = 0; round < 2; round++)
                {
                    foreach (var (kind, make) in round == 0 ? targets : Enumerable.Reverse(targets))
                    {
                        sums[kind] += (await RunAsync(make(), n, seconds, max, reset: () => ResetCatalogAsync(source))).PerSecond;
                    }
                }

                double raw = sums.GetValueOrDefault("raw"), issue = sums.GetValueOrDefault("issue"), brokered = sums.GetValueOrDefault("broker");
                await ResetCatalogAsync(source);
                var viaBroker = broker is null
                    ? string.Empty
                    : string.Create(CultureInfo.InvariantCulture, $", broker {brokered / 2:0.0}/s, broker/raw {brokered / raw:P0}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"            at {n}: raw {raw / 2:0.0}/s, IssueAsync {issue / 2:0.0}/s, ratio {issue / raw:P0}{viaBroker}"));
                ceilingRaw = Math.Max(ceilingRaw, raw / 2);
                ceilingBroker = Math.Max(ceilingBroker, brokered / 2);
            }

            if (broker is not null && !brokerOnly)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ceiling (best raw over the concurrencies) {ceilingRaw:0.0}/s; best broker {ceilingBroker:0.0}/s = {ceilingBroker / ceilingRaw:P0} of it"));
            }

            if (live.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("live credentials | target                                   | credentials |  per second |  p50 ms |  p99 ms | errors | CPU ms/credential: here | postgres");
                // One iteration: CREATE ROLE checks every verifier against the empty password, and 50,000 of those at 4096
                // rounds would take minutes; nobody logs in as these, they only fill the catalog.
                var verifier = ScramVerifier.Create(PostgresClusterAdministration.NewPassword(), 1);
                var created = 0;
                foreach (var target in live.Order())
                {
                    var sw = Stopwatch.StartNew();
                    // Chunks of 5,000: each new role holds a lock until commit, and the lock table is finite.
                    for (var from = created; from < target; from += 5000)
                    {
                        await CreateLiveAsync(source, from, Math.Min(5000, target - from), verifier);
                    }

                    Console.WriteLine($"  (created {target - created} live credentials in {sw.Elapsed.TotalSeconds:0.0} s)");
                    created = target;
                    var n = concurrencies.Max();
                    await RunAsync(new AdministrationTarget(endpoint, BaseUser, iterations), n, seconds, max, $"{created,16}", reset: () => ResetCatalogAsync(source));
                    await RunAsync(new AdministrationTarget(endpoint, BaseUser, iterations, alwaysRead: true), n, seconds, max, $"{created,16}", reset: () => ResetCatalogAsync(source));
                    await RunAsync(new RawSqlTarget(rawSource, BaseUser, iterations), n, seconds, max, $"{created,16}", reset: () => ResetCatalogAsync(source));
                    if (broker is not null)
                    {
                        await RunAsync(new BrokerTarget(broker, BaseUser), n, seconds, max, $"{created,16}", reset: () => ResetCatalogAsync(source));
                    }

                    await DropIssuedAsync(source);
                    await using var lister = new PostgresClusterAdministration();
                    var listed = Stopwatch.StartNew();
                    var managed = await lister.ListManagedRolesAsync(endpoint, CancellationToken.None);
                    Console.WriteLine($"  (ListManagedRolesAsync: {managed.Count} roles in {listed.Elapsed.TotalMilliseconds:0} ms)");
                    // A database created now: every live credential for all databases reaches it through the all-databases role.
                    await ExecAsync(source, $"CREATE DATABASE late_{created}");
                    var preparing = Stopwatch.StartNew();
                    await lister.PrepareAsync(endpoint, CancellationToken.None);
                    Console.WriteLine($"  (PrepareAsync of a new database with {created} live credentials for every database: {preparing.Elapsed.TotalMilliseconds:0} ms)");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"uptime at end: {Uptime()}");
            return 0;
        }
        finally
        {
            await server.StopAsync();
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>What one SCRAM verifier costs in this process, one at a time and in batches (the secret pool's way).</summary>
    private static void MeasureVerifiers(int iterations)
    {
        var passwords = Enumerable.Range(0, 160).Select(_ => PostgresClusterAdministration.NewPassword()).ToArray();
        ScramVerifier.CreateMany(passwords[..16], iterations); // JIT
        var single = Stopwatch.StartNew();
        foreach (var password in passwords)
        {
            ScramVerifier.Create(password, iterations);
        }

        single.Stop();
        var batched = Stopwatch.StartNew();
        ScramVerifier.CreateMany(passwords, iterations);
        batched.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SCRAM verifier (i={iterations}): {single.Elapsed.TotalMilliseconds / passwords.Length:0.000} ms one by one, {batched.Elapsed.TotalMilliseconds / passwords.Length:0.000} ms each in batches of 16 ({(Sha256Lanes.IsAccelerated ? "AVX-512 lanes" : "no vector hardware: one by one")})"));
    }

    private sealed record Result(int Count, int Errors, double PerSecond);

    private static async Task<Result> RunAsync(
        IIssuanceTarget target, int concurrency, int seconds, int max, string? label = null, Func<Task>? reset = null, bool silent = false)
    {
        await using (target)
        {
            // Warm-up: pools, first-use caches and the JIT's later tiers (hot paths are recompiled after their first
            // few hundred calls, which would otherwise land in the first run measured), bounded in time and count.
            var warm = Stopwatch.StartNew();
            for (var i = 0; i < 400 && (i < 20 || warm.Elapsed < TimeSpan.FromSeconds(1.5)); i++)
            {
                await target.IssueOneAsync(CancellationToken.None);
            }

            if (reset is not null)
            {
                await reset();
            }

            var latencies = new List<long>[concurrency];
            var errors = 0;
            var issued = 0;
            var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            var cpuBefore = CpuMeter.Read();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
            {
                var mine = latencies[w] = [];
                while (Stopwatch.GetTimestamp() < deadline && Interlocked.Increment(ref issued) <= max)
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        await target.IssueOneAsync(CancellationToken.None);
                        mine.Add(Stopwatch.GetTimestamp() - start);
                    }
                    catch (Exception e) when (e is NpgsqlException or ClusterOperationException)
                    {
                        if (Interlocked.Increment(ref errors) == 1)
                        {
                            Console.Error.WriteLine($"first error: {e.Message}");
                        }
                    }
                }
            }));
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = CpuMeter.Read() - cpuBefore;
            var all = latencies.SelectMany(l => l).Order().ToList();
            var result = new Result(all.Count, errors, all.Count / elapsed);
            if (silent)
            {
                await (reset?.Invoke() ?? Task.CompletedTask);
                return result;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label ?? $"{concurrency,11}"} | {target.Name,-40} | {all.Count,11} | {result.PerSecond,11:0.0} | {Ms(Percentile(all, 0.50)),7:0.00} | {Ms(Percentile(all, 0.99)),7:0.00} | {errors,6} | {PerCredential(cpu.Self, all.Count),7:0.00} | {PerCredential(cpu.Postgres, all.Count),7:0.00}"));
            return result;
        }
    }

    /// <summary>
    /// Drops the credentials a run created (not the bulk ones) and vacuums the catalogs issuance writes, so every run starts
    /// from the same catalog rather than one bloated by the runs before it.
    /// </summary>
    private static async Task ResetCatalogAsync(NpgsqlDataSource source)
    {
        await DropIssuedAsync(source);
        await ExecAsync(source, "VACUUM pg_authid, pg_auth_members, pg_shdepend, pg_db_role_setting, pg_shdescription");
    }

    private static Task DropIssuedAsync(NpgsqlDataSource source) => ExecAsync(source,
        """
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'IAM:adam:%' AND rolname NOT LIKE 'IAM:adam:bulk%' LOOP
            EXECUTE format('DROP ROLE %I', r.rolname);
          END LOOP;
        END $$
        """);

    /// <summary>Live credentials made the way IssueAsync makes them, in one server-side loop.</summary>
    private static Task CreateLiveAsync(NpgsqlDataSource source, int from, int count, string verifier)
    {
        var grants = $"EXECUTE format('GRANT %I TO %I', {SqlText.Literal(RoleMarkers.AllDatabasesRoleName)}, n);";
        var comment = RoleMarkers.CredentialComment(BaseUser, null, DateTimeOffset.UtcNow.AddHours(1));
        return ExecAsync(source, $"""
            DO $$
            DECLARE n text;
            BEGIN
              FOR i IN {from + 1}..{from + count} LOOP
                n := 'IAM:adam:bulk' || lpad(i::text, 8, '0');
                EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L VALID UNTIL %L', n, {SqlText.Literal(verifier)}, (now() + interval '1 hour')::text);
                EXECUTE format('GRANT {BaseUser} TO %I', n);
                {grants}
                EXECUTE format('ALTER ROLE %I SET role = {BaseUser}', n);
                EXECUTE format('COMMENT ON ROLE %I IS %L', n, {SqlText.Literal(comment)});
              END LOOP;
            END $$
            """);
    }

    private static async Task ExecAsync(NpgsqlDataSource source, string sql)
    {
        await using var cmd = source.CreateCommand(sql);
        cmd.CommandTimeout = 1800;
        await cmd.ExecuteNonQueryAsync();
    }

    private static double PerCredential(TimeSpan cpu, int count) => count == 0 ? 0 : cpu.TotalMilliseconds / count;

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static long Percentile(List<long> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static string Uptime()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true })!;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "(uptime not available)";
        }
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static List<int> ListArg(string[] args, string name, List<int> fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length
            ? [.. args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))]
            : fallback;
    }
}
