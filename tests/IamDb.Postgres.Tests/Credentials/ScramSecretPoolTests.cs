using IamDb.Postgres.Credentials;

namespace IamDb.Postgres.Tests.Credentials;

public class ScramSecretPoolTests
{
    [Fact]
    public async Task TakeAsync_ManyConcurrentTakers_EachGetsADistinctPasswordWithItsOwnVerifier()
    {
        using var pool = new ScramSecretPool(iterations: 64, capacity: 8);

        // More takers than the pool holds and than one batch makes: some wait for the next batch.
        var secrets = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => pool.TakeAsync(ClusterHarness.Ct).AsTask()));

        Assert.Equal(50, secrets.Select(s => s.Password).Distinct().Count());
        Assert.Equal(50, secrets.Select(s => s.Verifier).Distinct().Count());
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
