using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using Microsoft.Data.Sqlite;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

/// <summary>
/// SQLite's group commit: writes that queue behind a running one share one durable commit, yet each caller's unit still
/// commits whole or leaves nothing, and each caller gets its own result or error. Every test holds the write gate with a
/// first write until the others are queued, so the grouping is deterministic.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteGroupCommitTests : IAsyncDisposable
{
    private const int Queued = 20;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly DataDirectory _directory = DataDirectory.Prepare(Directory.CreateTempSubdirectory("iamdb-group-").FullName);
    private readonly string _account = NewAccount();
    private SqliteStateStore? _store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WritesQueuedBehindARunningOne_ShareOneCommit_AndEachCallerGetsItsOwnResult()
    {
        var store = await OpenAsync();
        var (holder, release) = await HoldTheGateAsync(store);
        var before = store.WriteCommits;

        var writes = Enumerable.Range(0, Queued).Select(i => CreateUserAsync(store, $"user{i}")).ToArray();
        release();
        await holder.WaitAsync(Bound, Ct);
        var results = await Task.WhenAll(writes).WaitAsync(Bound, Ct);

        Assert.Equal(Enumerable.Range(0, Queued).Select(i => $"user{i}"), results.Select(u => u.UserName));
        Assert.Equal(2, store.WriteCommits - before);
        Assert.Equal(Queued, await CountUsersAsync(store));
    }

    [Fact]
    public async Task AUnitThatThrows_LeavesNothing_AndTheOthersOfItsGroupCommit()
    {
        var store = await OpenAsync();
        var (holder, release) = await HoldTheGateAsync(store);
        var before = store.WriteCommits;

        var writes = Enumerable.Range(0, Queued).Select(i => store.WriteAsync(
            async (w, ct) =>
            {
                var user = await w.Users.CreateAsync(User(_account, $"user{i}"), ct);
                return i % 3 == 0 ? throw new InvalidOperationException($"unit {i} refused after writing") : user;
            },
            Ct)).ToArray();
        release();
        await holder.WaitAsync(Bound, Ct);

        for (var i = 0; i < Queued; i++)
        {
            if (i % 3 == 0)
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[i].WaitAsync(Bound, Ct));
                Assert.Equal($"unit {i} refused after writing", error.Message);
                Assert.Null(await store.ReadAsync((r, ct) => r.Users.GetAsync(_account, $"USER{i}", ct), Ct));
            }
            else
            {
                Assert.Equal($"user{i}", (await writes[i].WaitAsync(Bound, Ct)).UserName);
                Assert.NotNull(await store.ReadAsync((r, ct) => r.Users.GetAsync(_account, $"USER{i}", ct), Ct));
            }
        }

        Assert.Equal(2, store.WriteCommits - before);
    }

    [Fact]
    public async Task ADatabaseErrorInAGroup_RunsEachUnitAloneOnce_AndNothingIsWrittenTwice()
    {
        var store = await OpenAsync();
        var (holder, release) = await HoldTheGateAsync(store);
        var before = store.WriteCommits;
        var attempts = 0;

        // The fifth unit's first attempt fails like a busy file; that abandons the shared transaction.
        var writes = Enumerable.Range(0, Queued).Select(i => store.WriteAsync(
            async (w, ct) =>
            {
                var user = await w.Users.CreateAsync(User(_account, $"user{i}"), ct);
                return i == 4 && Interlocked.Increment(ref attempts) == 1 ? throw new SqliteException("database is locked", 5) : user;
            },
            Ct)).ToArray();
        release();
        await holder.WaitAsync(Bound, Ct);

        // A unit run twice would fail on its own first write (EntityAlreadyExists) had the group's writes stayed.
        var results = await Task.WhenAll(writes).WaitAsync(Bound, Ct);
        Assert.Equal(Queued, results.Length);
        Assert.Equal(2, attempts);
        Assert.Equal(Queued, await CountUsersAsync(store));
        Assert.Equal(1 + Queued, store.WriteCommits - before);
    }

    [Fact]
    public async Task ACallerThatGivesUpWhileQueued_WritesNothing()
    {
        var store = await OpenAsync();
        var (holder, release) = await HoldTheGateAsync(store);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var abandoned = store.WriteAsync((w, ct) => w.Users.CreateAsync(User(_account, "abandoned"), ct), giveUp.Token);
        var kept = CreateUserAsync(store, "kept");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Bound, Ct));
        release();
        await holder.WaitAsync(Bound, Ct);

        Assert.Equal("kept", (await kept.WaitAsync(Bound, Ct)).UserName);
        Assert.Null(await store.ReadAsync((r, ct) => r.Users.GetAsync(_account, "ABANDONED", ct), Ct));
        Assert.Equal(1, await CountUsersAsync(store));
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory.Path, recursive: true);
    }

    private async Task<SqliteStateStore> OpenAsync()
    {
        _store = await SqliteStateStore.OpenAsync(_directory.StateFilePath, new SecretProtector(MasterKey.Generate()), cancellationToken: Ct);
        return _store;
    }

    private Task<IamDb.Broker.State.Iam.IamUser> CreateUserAsync(SqliteStateStore store, string name) =>
        store.WriteAsync((w, ct) => w.Users.CreateAsync(User(_account, name), ct), Ct);

    private async Task<int> CountUsersAsync(SqliteStateStore store) =>
        (await store.ReadAsync((r, ct) => r.Users.ListAsync(_account, null, new PageRequest(null, 1000), ct), Ct)).Items.Count;

    // A write that holds the gate until released; returns once it is running, so later writes queue behind it.
    private static async Task<(Task Holder, Action Release)> HoldTheGateAsync(SqliteStateStore store)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = store.WriteAsync(
            async (_, ct) =>
            {
                running.SetResult();
                await released.Task.WaitAsync(ct);
            },
            Ct);
        await running.Task.WaitAsync(Bound, Ct);
        return (holder, released.SetResult);
    }
}
