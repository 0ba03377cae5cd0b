using BenchmarkDotNet.Attributes;
using IamDb.Client.Caching;
using IamDb.Client.Redshift;

namespace IamDb.Client.Benchmarks;

/// <summary>
/// An in-process fetcher that counts calls and can hold every call until released, so the benchmarks measure the cache
/// and nothing else.
/// </summary>
internal sealed class CountingFetcher : IClusterCredentialFetcher
{
    private int _calls;

    public TaskCompletionSource? Gate { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public string Endpoint => "https://redshift.us-east-1.amazonaws.com";

    public string Region => "us-east-1";

    public string Identity => "AKIAIOSFODNN7EXAMPLE";

    public async Task<ClusterCredentials> FetchAsync(ClusterCredentialRequest request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _calls);
        if (Gate is { } gate)
        {
            await gate.Task.ConfigureAwait(false);
        }

        var now = DateTimeOffset.UtcNow;
        return new ClusterCredentials("IAM:" + request.DbUser, "benchmark-password-" + n, now.AddMinutes(15)) { ServerDate = now };
    }
}

/// <summary>The hot path: a cached credential for a key whose source the caller holds. Target: ≤ 100 ns, 0 B.</summary>
[MemoryDiagnoser]
public class CacheHitBenchmarks
{
    private ClusterCredentialCache _cache = null!;
    private ClusterCredentialSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cache = new ClusterCredentialCache(new CountingFetcher());
        _source = _cache.GetSource(new ClusterCredentialRequest { ClusterIdentifier = "examplecluster", DbUser = "adam", DbName = "dev", DbGroups = ["analysts"] });
        _ = _source.GetAsync().AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => _cache.Dispose();

    [Benchmark]
    public string CacheHit()
    {
        var pending = _source.GetAsync();
        return pending.IsCompletedSuccessfully ? pending.Result.DbPassword : pending.AsTask().GetAwaiter().GetResult().DbPassword;
    }
}

/// <summary>1,000 concurrent callers for one key with nothing cached: exactly one fetch (the benchmark fails otherwise).</summary>
[MemoryDiagnoser]
public class ColdCallerBenchmarks
{
    private const int Callers = 1000;
    private ClusterCredentialCache _cache = null!;
    private CountingFetcher _fetcher = null!;
    private ClusterCredentialSource _source = null!;

    [IterationSetup]
    public void Setup()
    {
        _fetcher = new CountingFetcher { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        _cache = new ClusterCredentialCache(_fetcher);
        _source = _cache.GetSource(new ClusterCredentialRequest { ClusterIdentifier = "examplecluster", DbUser = "adam" });
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        if (_fetcher.Calls != 1)
        {
            throw new InvalidOperationException($"{Callers} cold callers made {_fetcher.Calls} API calls, not 1.");
        }
    }

    [Benchmark(OperationsPerInvoke = Callers)]
    public async Task ThousandColdCallers()
    {
        var callers = new Task<ClusterCredentials>[Callers];
        for (var i = 0; i < Callers; i++)
        {
            callers[i] = Task.Run(() => _source.GetAsync().AsTask());
        }

        // Let every caller reach the cache before the single fetch answers.
        while (_cache.Statistics.Waits < Callers)
        {
            await Task.Yield();
        }

        _fetcher.Gate!.SetResult();
        var results = await Task.WhenAll(callers);
        if (_fetcher.Calls != 1 || results.Any(r => !ReferenceEquals(r, results[0])))
        {
            throw new InvalidOperationException($"{Callers} cold callers made {_fetcher.Calls} API calls, not 1.");
        }
    }
}
