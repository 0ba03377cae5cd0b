using System.Diagnostics.Metrics;
using IamDb.Client.Caching;
using IamDb.Client.Query;
using IamDb.Client.Tests.Support;
using IamDb.Testing.Clocks;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Client.Tests.Caching;

/// <summary>The cache's rules, with AWS played by a loopback server and the client's clock a FakeTimeProvider.</summary>
public sealed class ClusterCredentialCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Answers each call with a new password valid for <paramref name="lifetime"/> by the server's clock.</summary>
    private static ReplayServer IssuingServer(TimeSpan lifetime, Func<int, ReplayAnswer?>? overrideCall = null, Task? gate = null)
    {
        var count = 0;
        return new ReplayServer(async _ =>
        {
            var n = Interlocked.Increment(ref count);
            if (gate is not null)
            {
                await gate;
            }

            if (overrideCall?.Invoke(n) is { } custom)
            {
                return custom;
            }

            var now = DateTimeOffset.UtcNow;
            return new ReplayAnswer(200, ReplayServer.CredentialsXml("IAM:adam", $"password-{n}-EXAMPLE", now + lifetime), now);
        });
    }

    [Fact]
    public async Task RepeatedCalls_AreServedFromTheCache_WithOneApiCall()
    {
        await using var server = IssuingServer(TimeSpan.FromMinutes(15));
        using var harness = new CacheHarness(server.Endpoint);
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        var first = await source.GetAsync(Ct);
        var second = await source.GetAsync(Ct);
        var third = await harness.Cache.GetAsync(CacheHarness.Adam with { }, Ct);

        Assert.Same(first, second);
        Assert.Same(first, third);
        Assert.Equal(1, server.Calls);
        Assert.Equal(new ClusterCredentialCacheStatistics(Fetches: 1, ApiCalls: 1, Hits: 2, Waits: 1, Refreshes: 0, Failures: 0, Throttles: 0, Retries: 0, ClusterFetches: 0, ClusterHits: 0),
            harness.Cache.Statistics);
    }

    [Fact]
    public async Task ConcurrentColdCallers_ShareOneApiCall()
    {
        var gate = new TaskCompletionSource();
        await using var server = IssuingServer(TimeSpan.FromMinutes(15), gate: gate.Task);
        using var harness = new CacheHarness(server.Endpoint);
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        var callers = Enumerable.Range(0, 300).Select(_ => Task.Run(async () => await source.GetAsync(Ct), Ct)).ToArray();
        await CacheHarness.EventuallyAsync(() => harness.Cache.Statistics.Waits == 300, "300 callers waiting");
        gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, server.Calls);
        Assert.Equal(1, harness.Cache.Statistics.Fetches);
        Assert.All(results, r => Assert.Same(results[0], r));
    }

    [Fact]
    public async Task GroupsInAnyOrder_ShareAKey_WhileEveryOtherMemberSeparatesKeys()
    {
        await using var server = IssuingServer(TimeSpan.FromMinutes(15));
        using var harness = new CacheHarness(server.Endpoint);
        var baseRequest = CacheHarness.Adam with { DbGroups = ["b", "a"] };

        var same = harness.Cache.GetSource(baseRequest with { DbGroups = ["a", "b", "a"] });
        var different = new[]
        {
            baseRequest with { DbName = "other" }, baseRequest with { DbUser = "eve" }, baseRequest with { ClusterIdentifier = "c2" },
            baseRequest with { AutoCreate = true }, baseRequest with { DurationSeconds = 1800 }, baseRequest with { DbGroups = ["a"] },
        }.Select(harness.Cache.GetSource).ToList();

        Assert.Same(harness.Cache.GetSource(baseRequest), same);
        Assert.Equal(different.Count + 1, different.Append(same).Distinct().Count());
        await harness.Cache.GetAsync(baseRequest, Ct);
        Assert.True(server.Bodies.TryDequeue(out var body));
        Assert.Contains("DbGroups.DbGroup.1=a&DbGroups.DbGroup.2=b", body);
    }

    [Fact]
    public void TheKeyIncludesEndpointRegionAndCallerIdentity()
    {
        var a = CredentialKey.From("https://redshift.us-east-1.amazonaws.com", "us-east-1", "AKIAONE", CacheHarness.Adam);

        Assert.NotEqual(a, a with { Endpoint = "http://127.0.0.1:1" });
        Assert.NotEqual(a, a with { Region = "eu-west-1" });
        Assert.NotEqual(a, a with { Identity = "AKIATWO" });
        Assert.NotEqual(a.Canonical(), (a with { Identity = "AKIATWO" }).Canonical());
        Assert.NotEqual(CredentialKey.From("e", "r", "i", CacheHarness.Adam with { WithIam = true, DbUser = null }), a);
    }

    [Fact]
    public async Task InTheAdvisoryWindow_TheCurrentCredentialIsServed_AndOneBackgroundRefreshReplacesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = IssuingServer(TimeSpan.FromMinutes(15));
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { Time = time });
        var source = harness.Cache.GetSource(CacheHarness.Adam);
        var first = await source.GetAsync(Ct);

        // 15 min − 15 s skew allowance − 3 min advisory window = 11:45 after issue.
        time.Advance(TimeSpan.FromMinutes(11) + TimeSpan.FromSeconds(50));
        var during = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => source.GetAsync(Ct).AsTask()));
        await CacheHarness.EventuallyAsync(() => !ReferenceEquals(source.Current, first), "the background refresh");
        var after = await source.GetAsync(Ct);

        Assert.All(during, c => Assert.Same(first, c));
        Assert.NotSame(first, after);
        Assert.Equal(2, server.Calls);
        Assert.Equal(1, harness.Cache.Statistics.Refreshes);
    }

    [Fact]
    public async Task InTheMandatoryWindow_CallersWaitForANewCredential_AndNeverGetTheOldOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gate = new TaskCompletionSource();
        await using var server = IssuingServer(TimeSpan.FromMinutes(15), overrideCall: n => null, gate: null);
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { Time = time });
        var source = harness.Cache.GetSource(CacheHarness.Adam);
        var first = await source.GetAsync(Ct);

        // 15 min − 15 s − 1 min mandatory window = 13:45.
        time.Advance(TimeSpan.FromMinutes(13) + TimeSpan.FromSeconds(46));
        var callers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => source.GetAsync(Ct).AsTask()));

        Assert.All(callers, c => Assert.NotSame(first, c));
        Assert.All(callers, c => Assert.Same(callers[0], c));
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task ACredentialAlreadyInsideTheMandatoryWindow_IsNeverHandedOut()
    {
        await using var server = IssuingServer(TimeSpan.FromSeconds(70));
        using var harness = new CacheHarness(server.Endpoint);
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        var error = await Assert.ThrowsAsync<ClusterCredentialException>(() => source.GetAsync(Ct).AsTask());
        await Assert.ThrowsAsync<ClusterCredentialException>(() => source.GetAsync(Ct).AsTask());

        Assert.Contains("mandatory refresh window", error.Message);
        Assert.DoesNotContain("password-", error.Message);
        Assert.Null(source.Current);
        Assert.Equal(2, server.Calls);
    }

    [Theory]
    [InlineData(-120)]
    [InlineData(120)]
    public async Task AClientClockMinutesOffTheServers_DoesNotChangeTheCredentialsLifetime(int clientOffsetMinutes)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(clientOffsetMinutes));
        await using var server = IssuingServer(TimeSpan.FromMinutes(15));
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { Time = time });
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        var first = await source.GetAsync(Ct);
        time.Advance(TimeSpan.FromMinutes(11));
        var stillCached = await source.GetAsync(Ct);
        time.Advance(TimeSpan.FromMinutes(3));
        var renewed = await source.GetAsync(Ct);

        Assert.Same(first, stillCached);
        Assert.NotSame(first, renewed);
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task AFailedCall_IsSharedByItsWaiters_AndNotCached()
    {
        var gate = new TaskCompletionSource();
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), n => n == 1 ? new ReplayAnswer(403, ReplayServer.ErrorXml("AccessDenied", "User: x is not authorized")) : null, gate.Task);
        using var harness = new CacheHarness(server.Endpoint);
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        var callers = Enumerable.Range(0, 25).Select(_ => Task.Run(async () => await source.GetAsync(Ct), Ct)).ToArray();
        await CacheHarness.EventuallyAsync(() => harness.Cache.Statistics.Waits == 25, "25 waiting callers");
        gate.SetResult();
        var failures = await Task.WhenAll(callers.Select(async c => await Assert.ThrowsAsync<AwsServiceException>(() => c)));
        var next = await source.GetAsync(Ct);

        Assert.All(failures, f => Assert.Equal("AccessDenied", f.Code));
        Assert.Equal(2, server.Calls);
        Assert.Equal("IAM:adam", next.DbUser);
        Assert.Equal(1, harness.Cache.Statistics.Failures);
    }

    [Fact]
    public async Task AFailedAdvisoryRefresh_KeepsServingTheCurrentCredential()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), n => n > 1 ? new ReplayAnswer(403, ReplayServer.ErrorXml("AccessDenied", "denied now")) : null);
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { Time = time });
        var source = harness.Cache.GetSource(CacheHarness.Adam);
        var first = await source.GetAsync(Ct);

        time.Advance(TimeSpan.FromMinutes(12));
        var during = await source.GetAsync(Ct);
        await CacheHarness.EventuallyAsync(() => harness.Cache.Statistics.Failures == 1, "the failed background refresh");
        var again = await source.GetAsync(Ct);
        var callsBeforeRetryInterval = server.Calls;
        time.Advance(TimeSpan.FromSeconds(11));
        _ = await source.GetAsync(Ct);
        await CacheHarness.EventuallyAsync(() => harness.Cache.Statistics.Failures == 2, "a second background attempt after the interval");

        Assert.Same(first, during);
        Assert.Same(first, again);
        Assert.Equal(2, callsBeforeRetryInterval);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task Throttling_IsRetriedWithBackoff_UntilItSucceeds()
    {
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), n => n <= 3 ? new ReplayAnswer(400, ReplayServer.ErrorXml("Throttling", "Rate exceeded")) : null);
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(5) });

        var credentials = await harness.Cache.GetAsync(CacheHarness.Adam, Ct);

        Assert.Equal("IAM:adam", credentials.DbUser);
        Assert.Equal(4, server.Calls);
        var stats = harness.Cache.Statistics;
        Assert.Equal((4, 3, 3, 0), (stats.ApiCalls, stats.Throttles, stats.Retries, stats.Failures));
    }

    [Fact]
    public async Task Throttling_WaitsTheJitteredBackoffOnTheInjectedClock_ThenRetries()
    {
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), n => n == 1 ? new ReplayAnswer(400, ReplayServer.ErrorXml("Throttling", "Rate exceeded")) : null);
        var time = new ObservedTimeProvider(DateTimeOffset.UtcNow);
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions
        {
            Time = time,
            Jitter = new FixedRandom(0.25),
            RetryBaseDelay = TimeSpan.FromSeconds(4),
            RetryMaxDelay = TimeSpan.FromSeconds(4),
        });

        var fetch = harness.Cache.GetAsync(CacheHarness.Adam, Ct).AsTask();

        // Full jitter: a quarter of the 4 s cap, on the fake clock; nothing is retried until it has passed.
        var due = await time.NextTimerAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(TimeSpan.FromSeconds(1), due);
        time.Advance(due - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, server.Calls);
        Assert.False(fetch.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var credentials = await fetch.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal("IAM:adam", credentials.DbUser);
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task RetriesStopAtMaxAttempts_WithTheLastThrottlingError()
    {
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), _ => new ReplayAnswer(400, ReplayServer.ErrorXml("Throttling", "Rate exceeded")));
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxAttempts = 3,
        });

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => harness.Cache.GetAsync(CacheHarness.Adam, Ct).AsTask());

        Assert.True(error.IsThrottling);
        Assert.Equal(3, server.Calls);
    }

    [Fact]
    public async Task RetriesStopWhenTheNextWaitWouldExceedTheBudget()
    {
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), _ => new ReplayAnswer(503, "<html>unavailable</html>"));
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions
        {
            RetryBaseDelay = TimeSpan.FromSeconds(4),
            RetryMaxDelay = TimeSpan.FromSeconds(4),
            RetryBudget = TimeSpan.Zero,
        });

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => harness.Cache.GetAsync(CacheHarness.Adam, Ct).AsTask());

        Assert.True(error.IsTransient);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task Invalidate_DropsOnlyTheCredentialItNames()
    {
        await using var server = IssuingServer(TimeSpan.FromMinutes(15));
        using var harness = new CacheHarness(server.Endpoint);
        var source = harness.Cache.GetSource(CacheHarness.Adam);
        var first = await source.GetAsync(Ct);

        Assert.True(source.Invalidate(first));
        var second = await source.GetAsync(Ct);
        Assert.False(source.Invalidate(first));

        Assert.NotEqual(first.DbPassword, second.DbPassword);
        Assert.Same(second, await source.GetAsync(Ct));
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task MetricsAreReportedOnTheIamDbClientMeter()
    {
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), n => n == 1 ? new ReplayAnswer(400, ReplayServer.ErrorXml("Throttling", "Rate exceeded")) : null);
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(5) });
        var measured = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, harness.Cache.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();

        await harness.Cache.GetAsync(CacheHarness.Adam, Ct);
        await harness.Cache.GetAsync(CacheHarness.Adam, Ct);

        Assert.Equal("IamDb.Client", harness.Cache.Meter.Name);
        Assert.Equal(2, measured["iamdb.client.api_calls"]);
        Assert.Equal(1, measured["iamdb.client.throttles"]);
        Assert.Equal(1, measured["iamdb.client.retries"]);
        Assert.Equal(1, measured["iamdb.client.cache.waits"]);
        Assert.Equal(1, measured["iamdb.client.cache.hits"]);
    }

    [Fact]
    public async Task EveryInstrument_CountsExactly_AScriptedSequence()
    {
        // Call 1 is throttled, call 3 refused; the others issue.
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15),
            n => n switch
            {
                1 => new ReplayAnswer(400, ReplayServer.ErrorXml("Throttling", "Rate exceeded")),
                3 => new ReplayAnswer(403, ReplayServer.ErrorXml("AccessDenied", "not authorized")),
                _ => null,
            });
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(5) });
        var measured = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, harness.Cache.Meter))
            {
                measured.TryAdd(instrument.Name, 0);
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        await source.GetAsync(Ct);                                                 // wait, fetch: throttled, retried, issued (calls 1-2)
        await source.GetAsync(Ct);                                                 // hit
        await source.GetAsync(Ct);                                                 // hit
        await Assert.ThrowsAsync<AwsServiceException>(() => source.RefreshAsync(Ct)); // wait, fetch, refresh: refused (call 3), failure
        var refreshed = await source.RefreshAsync(Ct);                             // wait, fetch, refresh (call 4)
        Assert.True(source.Invalidate(refreshed));
        await source.GetAsync(Ct);                                                 // wait, fetch (call 5): nothing cached, so no refresh

        var expected = new Dictionary<string, long>
        {
            ["iamdb.client.cache.fetches"] = 4,
            ["iamdb.client.api_calls"] = 5,
            ["iamdb.client.cache.hits"] = 2,
            ["iamdb.client.cache.waits"] = 4,
            ["iamdb.client.cache.refreshes"] = 2,
            ["iamdb.client.cache.failures"] = 1,
            ["iamdb.client.throttles"] = 1,
            ["iamdb.client.retries"] = 1,
            ["iamdb.client.cluster.fetches"] = 0,
            ["iamdb.client.cluster.hits"] = 0,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), measured.OrderBy(e => e.Key));
        Assert.Equal(new ClusterCredentialCacheStatistics(Fetches: 4, ApiCalls: 5, Hits: 2, Waits: 4, Refreshes: 2, Failures: 1, Throttles: 1, Retries: 1, ClusterFetches: 0, ClusterHits: 0),
            harness.Cache.Statistics);
        Assert.Equal(5, server.Calls);
    }

    [Fact]
    public async Task LogsNeverContainThePassword()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs();
        await using var server = IssuingServer(
            TimeSpan.FromMinutes(15), n => n == 2 ? new ReplayAnswer(400, ReplayServer.ErrorXml("Throttling", "Rate exceeded")) : null);
        using var harness = new CacheHarness(server.Endpoint, new ClusterCredentialCacheOptions
        {
            Time = time,
            LoggerFactory = logs,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        });
        var source = harness.Cache.GetSource(CacheHarness.Adam);

        var first = await source.GetAsync(Ct);
        source.Invalidate(first);
        var second = await source.GetAsync(Ct);
        time.Advance(TimeSpan.FromMinutes(14));
        var third = await source.GetAsync(Ct);

        Assert.NotEmpty(logs.Lines);
        Assert.Contains(logs.Lines, l => l.Contains("IAM:adam"));
        foreach (var password in new[] { first.DbPassword, second.DbPassword, third.DbPassword })
        {
            Assert.False(logs.All.Contains(password, StringComparison.Ordinal), "a password was logged");
        }
    }

    [Fact]
    public void InvalidOptionsAndRequests_AreRefusedWithTheSettingNamed()
    {
        var options = new ClusterCredentialCacheOptions { AdvisoryRefreshWindow = TimeSpan.FromSeconds(10), MandatoryRefreshWindow = TimeSpan.FromMinutes(1) };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        var request = Assert.Throws<ArgumentException>((CacheHarness.Adam with { DurationSeconds = 60 }).Validate);
        var user = Assert.Throws<ArgumentException>((CacheHarness.Adam with { DbUser = null }).Validate);

        Assert.Contains("AdvisoryRefreshWindow", error.Message);
        Assert.Contains("900 and 3600", request.Message);
        Assert.Contains("DbUser", user.Message);
    }
}
