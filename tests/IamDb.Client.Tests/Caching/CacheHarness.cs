using IamDb.Client.Caching;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Client.Tests.Support;

namespace IamDb.Client.Tests.Caching;

/// <summary>A cache fetching over real HTTP from a <see cref="ReplayServer"/> playing AWS.</summary>
internal sealed class CacheHarness : IDisposable
{
    public static readonly AwsCredentialSource Keys = AwsCredentialSource.Explicit("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    public static readonly ClusterCredentialRequest Adam = new() { ClusterIdentifier = "examplecluster", DbUser = "adam", DbName = "dev" };

    private readonly AwsQueryClient _query;

    public CacheHarness(Uri endpoint, ClusterCredentialCacheOptions? options = null, AwsCredentialSource? keys = null)
    {
        _query = new AwsQueryClient(keys ?? Keys);
        Client = new RedshiftClient(_query, "us-east-1", endpoint);
        Cache = new ClusterCredentialCache(Client, options);
    }

    public RedshiftClient Client { get; }

    public ClusterCredentialCache Cache { get; }

    public void Dispose()
    {
        Cache.Dispose();
        _query.Dispose();
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; fails the test otherwise.</summary>
    public static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(condition, () => what);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; fails with <paramref name="what"/>'s text at that moment.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, Func<string> what)
    {
        // Bounded by time, generously: the machine is shared by parallel builds.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition(), "timed out waiting for: " + what());
    }
}
