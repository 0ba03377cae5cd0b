using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using IamDb.Testing.Clocks;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Tests.State;

/// <summary>
/// A write that loses a race (SQLITE_BUSY here; a serialization failure on PostgreSQL) runs again after a jittered wait
/// taken on the injected clock with the injected randomness: driven by a fake clock, so no test sleeps.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqlStateStoreRetryTests : IAsyncDisposable
{
    private const int SqliteBusy = 5;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly DataDirectory _directory = DataDirectory.Prepare(Directory.CreateTempSubdirectory("iamdb-retry-").FullName);
    private SqliteStateStore? _store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWriteThatLostARace_RunsAgainAfterTheJitteredWait_OnTheInjectedClock()
    {
        var (store, time) = await OpenAsync(sample: 0.5);
        var attempts = 0;

        var write = store.WriteAsync((_, _) => ++attempts == 1 ? throw Busy() : Task.FromResult(42), Ct);

        // After the first failure: a random 1 ms up to 20 ms; the fixed sample 0.5 gives 1 + 9.
        var due = await time.NextTimerAsync(Bound, Ct);
        Assert.Equal(TimeSpan.FromMilliseconds(10), due);
        time.Advance(due - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Volatile.Read(ref attempts));
        Assert.False(write.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(42, await write.WaitAsync(Bound, Ct));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task AWriteThatKeepsLosing_GivesUpAfterMaxAttempts_WithWaitsThatGrowPerAttempt()
    {
        var (store, time) = await OpenAsync(sample: 0.999);
        var attempts = 0;

        var write = store.WriteAsync<int>((_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw Busy();
        }, Ct);

        var waits = new List<TimeSpan>();
        for (var i = 1; i < SqlStateStore.MaxWriteAttempts; i++)
        {
            var due = await time.NextTimerAsync(Bound, Ct);
            waits.Add(due);
            time.Advance(due);
        }

        var error = await Assert.ThrowsAsync<StateContentionException>(() => write.WaitAsync(Bound, Ct));
        Assert.IsType<SqliteException>(error.InnerException);
        Assert.Equal(SqlStateStore.MaxWriteAttempts, attempts);

        // The cap doubles from 20 ms per attempt up to 320 ms; a sample near 1 waits just under it.
        Assert.Equal([19, 39, 79, 159, 319, 319, 319], waits.Select(w => (int)w.TotalMilliseconds));
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory.Path, recursive: true);
    }

    private static SqliteException Busy() => new("database is locked", SqliteBusy);

    private async Task<(SqliteStateStore Store, ObservedTimeProvider Time)> OpenAsync(double sample)
    {
        _store = await SqliteStateStore.OpenAsync(_directory.StateFilePath, new SecretProtector(MasterKey.Generate()), cancellationToken: Ct);
        var time = new ObservedTimeProvider(DateTimeOffset.UtcNow);
        _store.Backoff = new WriteRetryBackoff(time, new FixedRandom(sample));
        return (_store, time);
    }
}
