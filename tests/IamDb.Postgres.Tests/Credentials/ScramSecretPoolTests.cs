using IamDb.Postgres.Credentials;

namespace IamDb.Postgres.Tests.Credentials;

public class ScramSecretPoolTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    public async Task TakeAsync_ManyConcurrentTakers_EachGetsADistinctPasswordWithItsOwnVerifier(int capacity)
    {
        using var pool = new ScramSecretPool(iterations: 64, capacity);
        // A pool that stops making secrets fails the test instead of hanging it.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ClusterHarness.Ct);
        limit.CancelAfter(TimeSpan.FromMinutes(1));

        // More takers than the pool holds and than one batch makes: some wait for later batches.
        var secrets = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => pool.TakeAsync(limit.Token).AsTask()));

        Assert.Equal(150, secrets.Select(s => s.Password).Distinct().Count());
        Assert.Equal(150, secrets.Select(s => s.Verifier).Distinct().Count());
        foreach (var secret in secrets)
        {
            Assert.Equal(43, secret.Password.Length);
            var parts = secret.Verifier.Split('$');
            var salt = Convert.FromBase64String(parts[1].Split(':')[1]);
            Assert.Equal(ScramVerifier.Format(salt, 64, ScramVerifier.Derive(secret.Password, salt, 64)), secret.Verifier);
        }
    }

    [Fact]
    public async Task TakeAsync_AfterDispose_IsRefused()
    {
        var pool = new ScramSecretPool(iterations: 8);
        await pool.TakeAsync(ClusterHarness.Ct);

        pool.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.TakeAsync(ClusterHarness.Ct));
    }

    [Fact]
    public async Task TakeAsync_CancelledRequest_IsCancelled()
    {
        using var pool = new ScramSecretPool(iterations: 8);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.TakeAsync(cancelled.Token).AsTask());
    }
}
