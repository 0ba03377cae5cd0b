using System.Collections.Concurrent;
using System.Diagnostics;
using IamDb.Client.Caching;
using IamDb.Client.DataSources;
using IamDb.Client.Query;
using IamDb.Client.Tests.Caching;
using IamDb.Testing;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace IamDb.Client.Tests.EndToEnd;

/// <summary>The library against the real broker on loopback and a real PostgreSQL, as a fleet uses it.</summary>
[Collection(nameof(Support.SharedPostgresServer))]
public sealed class BrokerEndToEndTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<ClusterDataSource> DataSourceAsync(
        ClusterCredentialCache cache, string cluster, string user = "etl", int maxPool = 30, bool pooling = true) =>
        await ClusterDataSource.CreateAsync(cache, new ClusterDataSourceOptions
        {
            Credentials = new ClusterCredentialRequest { ClusterIdentifier = cluster, DbUser = user, AutoCreate = true },
            SslMode = SslMode.Disable,
            ConfigureConnection = b =>
            {
                b.MaxPoolSize = maxPool;
                b.Pooling = pooling;
                b.Timeout = 60;
            },
        }, Ct);

    private static async Task<string> SessionUserAsync(NpgsqlConnection connection) =>
        (string)(await new NpgsqlCommand("SELECT session_user::text", connection).ExecuteScalarAsync(Ct))!;

    [Fact]
    public async Task FiveHundredConcurrentTasks_OnThreeClusters_MakeExactlyThreeApiCalls()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 3);
        var logs = new Support.CapturedLogs();
        var (query, _, cache) = env.NewCache(new ClusterCredentialCacheOptions { LoggerFactory = logs });
        using var _q = query;
        using var _c = cache;
        // One base user on all three: the "clusters" share one PostgreSQL server, where roles are server-wide, so their
        // first AutoCreates race on CREATE ROLE; the broker must absorb that, or the count below would show the retries.
        var sources = new List<ClusterDataSource>();
        foreach (var cluster in env.Clusters.Select(c => c.Cluster))
        {
            sources.Add(await DataSourceAsync(cache, cluster, user: "etl"));
        }

        var failures = new ConcurrentBag<Exception>();
        var users = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(async () =>
        {
            try
            {
                await using var connection = await sources[i % 3].OpenConnectionAsync(Ct);
                return (i % 3, await SessionUserAsync(connection));
            }
            catch (Exception e)
            {
                failures.Add(e);
                throw;
            }
        }, Ct)));

        Assert.Empty(failures);
        Assert.True(cache.Statistics.ApiCalls == 3, $"{cache.Statistics}; authentication retries {sources.Sum(s => s.AuthenticationRetries)}; " +
            string.Join(" | ", logs.Lines.Where(l => l.Contains("retrying", StringComparison.Ordinal))));
        Assert.Equal(3, await env.IssuedCountAsync());
        Assert.All(users.GroupBy(u => u.Item1), g => Assert.Single(g.Select(u => u.Item2).Distinct()));
        Assert.All(users, u => Assert.StartsWith("IAMA:etl", u.Item2));
        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }
    }

    [Fact]
    public async Task RotationUnderLoad_NoConnectionFails_AndApiCallsEqualRotationsPerKey()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 2);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (query, _, cache) = env.NewCache(new ClusterCredentialCacheOptions { Time = time });
        using var _q = query;
        using var _c = cache;
        var sources = new List<ClusterDataSource>();
        foreach (var (cluster, i) in env.Clusters.Select((c, i) => (c.Cluster, i)))
        {
            sources.Add(await DataSourceAsync(cache, cluster, user: $"rotor{i + 1}", maxPool: 10));
        }

        // Connections held across rotations: opened with older credentials, they must keep working.
        var held = new List<NpgsqlConnection>();
        foreach (var source in sources)
        {
            held.Add(await source.OpenConnectionAsync(Ct));
        }

        using var stop = new CancellationTokenSource();
        var opened = 0;
        var failures = new ConcurrentBag<Exception>();
        var load = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; n < 100_000 && !stop.IsCancellationRequested; n++)
            {
                try
                {
                    await using var connection = await sources[(worker + n) % sources.Count].OpenConnectionAsync(Ct);
                    await new NpgsqlCommand("SELECT 1", connection).ExecuteScalarAsync(Ct);
                    Interlocked.Increment(ref opened);
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
        }, Ct)).ToArray();

        const int rotations = 4;
        for (var rotation = 1; rotation <= rotations; rotation++)
        {
            // Into the advisory window of the current credentials (issued at the previous step's instant).
            var previous = sources.Select(source => source.Credentials.Current).ToList();
            time.Advance(TimeSpan.FromMinutes(12));
            var expected = sources.Count * (rotation + 1);
            // A call is counted when it starts: wait for every new credential to land before the clock moves on.
            await CacheHarness.EventuallyAsync(
                () => sources.Select((source, i) => !ReferenceEquals(source.Credentials.Current, previous[i])).All(changed => changed),
                $"rotation {rotation} landed");
            await CacheHarness.EventuallyAsync(() => cache.Statistics.ApiCalls == expected, () => $"rotation {rotation}: {cache.Statistics}, opened {Volatile.Read(ref opened)}, failures {failures.Count}: {failures.FirstOrDefault()?.Message}");
            var before = Volatile.Read(ref opened);
            await CacheHarness.EventuallyAsync(() => Volatile.Read(ref opened) > before + 20, "connections after rotation");
            foreach (var source in sources)
            {
                held.Add(await source.OpenConnectionAsync(Ct));
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.Equal(sources.Count * (rotations + 1), cache.Statistics.ApiCalls);
        Assert.Equal(0, cache.Statistics.Failures);
        var logins = new HashSet<string>();
        foreach (var connection in held)
        {
            logins.Add(await SessionUserAsync(connection));
            await connection.DisposeAsync();
        }

        Assert.Equal(sources.Count * (rotations + 1), logins.Count);
        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }
    }

    [Fact]
    public async Task ATinyRateLimit_TwoHundredCallersOnTwentyKeys_AllSucceedWithBackoffWithinBudget()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 1, o =>
        {
            o.ThrottleRatePerSecond = 4;
            o.ThrottleBurst = 2;
        });
        var budget = TimeSpan.FromSeconds(60);
        var (query, _, cache) = env.NewCache(new ClusterCredentialCacheOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromSeconds(2),
            RetryBudget = budget,
            MaxAttempts = 40,
        });
        using var _q = query;
        using var _c = cache;
        var cluster = env.Clusters[0].Cluster;
        var sources = Enumerable.Range(1, 20)
            .Select(k => cache.GetSource(new ClusterCredentialRequest { ClusterIdentifier = cluster, DbUser = $"worker{k}", AutoCreate = true }))
            .ToList();

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () => await sources[i % 20].GetAsync(Ct), Ct)));
        clock.Stop();

        var stats = cache.Statistics;
        Assert.Equal(200, results.Length);
        Assert.Equal(20, results.Select(r => r.DbUser).Distinct().Count());
        Assert.True(stats.Throttles > 0, "the broker never throttled: the test proves nothing");
        Assert.True(stats.Retries >= stats.Throttles, "every throttled answer was retried");
        Assert.Equal(20, stats.ApiCalls - stats.Throttles);
        Assert.Equal(0, stats.Failures);
        Assert.True(clock.Elapsed < budget, $"took {clock.Elapsed}, beyond the retry budget {budget}");
        Assert.Equal(20, await env.IssuedCountAsync());
    }

    [Fact]
    public async Task AFleetCreatingSixHundredDataSourcesOnThreeDatabases_UnderTwoRequestsPerSecond_HasNoFailedJob()
    {
        // 600 concurrent jobs, each creating its own data source (DescribeClusters) and logging in once; the broker allows
        // 2 requests/s. Before cluster descriptions went through the cache, the creations threw Throttling.
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 3, o =>
        {
            o.ThrottleRatePerSecond = 2;
            o.ThrottleBurst = 2;
        });
        var (query, _, cache) = env.NewCache(new ClusterCredentialCacheOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(200),
            RetryMaxDelay = TimeSpan.FromSeconds(2),
            RetryBudget = TimeSpan.FromSeconds(60),
            MaxAttempts = 40,
        });
        using var _q = query;
        using var _c = cache;
        const int jobs = 600;
        // The test server's connection slots are shared by every test: at most 30 of the jobs are logged in at once.
        using var serverSlots = new SemaphoreSlim(30);
        var failures = new ConcurrentBag<Exception>();
        var clock = Stopwatch.StartNew();
        var logins = await Task.WhenAll(Enumerable.Range(0, jobs).Select(i => Task.Run(async () =>
        {
            try
            {
                await using var dataSource = await ClusterDataSource.CreateAsync(cache, new ClusterDataSourceOptions
                {
                    Credentials = new ClusterCredentialRequest { ClusterIdentifier = env.Clusters[i % 3].Cluster, DbUser = "fleet", AutoCreate = true },
                    SslMode = SslMode.Disable,
                    MaxPoolSize = 1,
                    ConfigureConnection = b =>
                    {
                        b.Pooling = false;
                        b.Timeout = 60;
                    },
                }, Ct);
                await serverSlots.WaitAsync(Ct);
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(Ct);
                    return (i % 3, await SessionUserAsync(connection));
                }
                finally
                {
                    serverSlots.Release();
                }
            }
            catch (Exception e)
            {
                failures.Add(e);
                return (i % 3, string.Empty);
            }
        }, Ct)));
        clock.Stop();

        var stats = cache.Statistics;
        var issued = await env.IssuedCountAsync();
        // HTTP calls: every answered call is a success (issued credential or description) or a throttled answer.
        var report = (
            $"fleet: {jobs} jobs on 3 databases under 2 requests/s: {issued + stats.ClusterFetches + stats.Throttles} HTTP calls " +
            $"({issued} GetClusterCredentials + {stats.ClusterFetches} DescribeClusters succeeded, {stats.Throttles} throttled and retried), " +
            $"{failures.Count} jobs failed, {clock.Elapsed.TotalSeconds:F1} s; {stats}");
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        if (Environment.GetEnvironmentVariable("IAMDB_FLEET_REPORT") is { Length: > 0 } reportFile)
        {
            await File.AppendAllTextAsync(reportFile, report + "\n", Ct);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failed jobs; first: {failures.FirstOrDefault()}");
        Assert.Equal(3, stats.ClusterFetches);
        Assert.Equal(jobs - 3, stats.ClusterHits);
        Assert.Equal(3, stats.Fetches);
        Assert.Equal(3, issued);
        Assert.Equal(0, stats.Failures);
        Assert.True(stats.Throttles > 0, "the broker never throttled: the test proves nothing");
        Assert.All(logins.GroupBy(l => l.Item1), g => Assert.Single(g.Select(l => l.Item2).Distinct()));
    }

    [Fact]
    public async Task ACredentialInsideTheMandatoryWindow_IsNeverHandedOut_EvenFromTheRealBroker()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 1);
        var (query, _, cache) = env.NewCache(new ClusterCredentialCacheOptions
        {
            MandatoryRefreshWindow = TimeSpan.FromSeconds(890),
            AdvisoryRefreshWindow = TimeSpan.FromSeconds(890),
        });
        using var _q = query;
        using var _c = cache;
        var source = cache.GetSource(new ClusterCredentialRequest { ClusterIdentifier = env.Clusters[0].Cluster, DbUser = "shorty", AutoCreate = true });

        var error = await Assert.ThrowsAsync<ClusterCredentialException>(() => source.GetAsync(Ct).AsTask());

        Assert.Contains("mandatory refresh window", error.Message);
        Assert.Null(source.Current);
    }

    [Fact]
    public async Task AClientClockFortyFiveMinutesAhead_StillSignsAndCachesCorrectly()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 1);
        var ahead = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(45));
        var (query, _, cache) = env.NewCache(new ClusterCredentialCacheOptions { Time = ahead }, queryOptions: new AwsQueryClientOptions { Time = ahead });
        using var _q = query;
        using var _c = cache;
        var source = cache.GetSource(new ClusterCredentialRequest { ClusterIdentifier = env.Clusters[0].Cluster, DbUser = "skewed", AutoCreate = true });

        var first = await source.GetAsync(Ct);
        ahead.Advance(TimeSpan.FromMinutes(10));
        var cached = await source.GetAsync(Ct);
        ahead.Advance(TimeSpan.FromMinutes(4));
        var renewed = await source.GetAsync(Ct);

        Assert.Same(first, cached);
        Assert.NotSame(first, renewed);
        Assert.InRange(query.ClockCorrection.TotalMinutes, -46, -44);
        Assert.Equal(2, cache.Statistics.ApiCalls);
    }

    [Fact]
    public async Task ARevokedCredential_IsReplacedOnTheNextOpen_ThroughTheAuthenticationRetry()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 1);
        var (query, _, cache) = env.NewCache();
        using var _q = query;
        using var _c = cache;
        var cluster = env.Clusters[0].Cluster;
        await using var dataSource = await DataSourceAsync(cache, cluster, user: "revokee", pooling: false);
        string revoked;
        await using (var first = await dataSource.OpenConnectionAsync(Ct))
        {
            revoked = await SessionUserAsync(first);
        }

        await env.Broker.Query.CallAsync(env.Broker.Request("redshift", "RevokeClusterCredentials").Add("LoginRole", revoked).Add("ClusterIdentifier", cluster), Ct);
        await using var second = await dataSource.OpenConnectionAsync(Ct);

        Assert.NotEqual(revoked, await SessionUserAsync(second));
        Assert.Equal(1, dataSource.AuthenticationRetries);
        Assert.Equal(2, cache.Statistics.ApiCalls);
    }

    [Fact]
    public async Task WithIam_AnIamUsersOwnDatabaseIdentity_LogsIn()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 1);
        var (cluster, database) = env.Clusters[0];
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["redshift:GetClusterCredentialsWithIAM","redshift:DescribeClusters"],"Resource":"*"}]}""";
        var carol = await env.Broker.CreateUserWithKeyAsync("carol", policy);
        var (query, _, cache) = env.NewCache(credentials: carol);
        using var _q = query;
        using var _c = cache;
        await using var dataSource = await ClusterDataSource.CreateAsync(cache, new ClusterDataSourceOptions
        {
            Credentials = new ClusterCredentialRequest { ClusterIdentifier = cluster, WithIam = true, DbName = database },
            SslMode = SslMode.Disable,
        }, Ct);

        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        var role = (string)(await new NpgsqlCommand("SELECT current_user::text", connection).ExecuteScalarAsync(Ct))!;

        Assert.StartsWith("IAM:IAM:carol:", await SessionUserAsync(connection));
        Assert.Equal("IAM:carol", role);
        Assert.Equal(carol.Identity, cache.GetSource(dataSource.Credentials.Request).Key.Identity);
    }

    [Fact]
    public async Task AUserWithoutPermission_GetsAccessDenied_AndNothingIsCached()
    {
        await using var env = await BrokerClusters.StartAsync(postgres, clusters: 1);
        var dave = await env.Broker.CreateUserWithKeyAsync("dave");
        var (query, _, cache) = env.NewCache(credentials: dave);
        using var _q = query;
        using var _c = cache;
        var source = cache.GetSource(new ClusterCredentialRequest { ClusterIdentifier = env.Clusters[0].Cluster, DbUser = "dave" });

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => source.GetAsync(Ct).AsTask());

        Assert.Equal("AccessDenied", error.Code);
        Assert.Contains("redshift:GetClusterCredentials", error.ErrorMessage);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Null(source.Current);
        Assert.Equal(1, cache.Statistics.ApiCalls);
    }
}
