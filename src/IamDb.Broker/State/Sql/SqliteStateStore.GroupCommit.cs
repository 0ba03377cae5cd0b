using System.Collections.Concurrent;
using System.Data.Common;

namespace IamDb.Broker.State.Sql;

/// <summary>
/// Group commit. SQLite has one writer and every commit waits for an fsync, so concurrent handlers (sessions issued by
/// AssumeRole*, credentials, audit batches) would otherwise queue for one durable commit each. A caller that gets the
/// write gate runs every write queued behind it in one transaction, each inside its own savepoint, and commits once:
/// a unit that throws is rolled back to its savepoint alone and its caller gets the exception; the others commit.
/// No caller learns of success before the commit is durable. Anything that goes wrong at the database level (a failed
/// statement, a busy or broken file) abandons the shared transaction and runs each unit alone, as before.
/// </summary>
internal sealed partial class SqliteStateStore
{
    /// <summary>At most this many units share one commit, so one caller's latency stays bounded.</summary>
    internal const int MaxUnitsPerCommit = 64;

    private readonly ConcurrentQueue<PendingWrite> _pending = new();
    private long _writeCommits;

    /// <summary>How many write transactions committed handlers' units; fewer than the units when they were grouped.</summary>
    internal long WriteCommits => Interlocked.Read(ref _writeCommits);

    protected override async Task<T> RunWriteUnitAsync<T>(Func<SqlSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var unit = new PendingWrite<T>(work, cancellationToken);
        _pending.Enqueue(unit);
        try
        {
            await _writeGate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (unit.TryAbandon())
        {
            // Never taken by a group: nothing was written for this caller.
            throw;
        }
        catch (OperationCanceledException)
        {
            // Already taken by the caller that holds the gate: its outcome is on the way.
            return await unit.Outcome;
        }

        try
        {
            // Units taken by an earlier group are finished before that group's caller released the gate.
            while (!unit.Outcome.IsCompleted)
            {
                var group = TakeGroup();
                if (group.Count == 0)
                {
                    break;
                }

                await RunGroupAsync(group);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        return await unit.Outcome;
    }

    private List<PendingWrite> TakeGroup()
    {
        var group = new List<PendingWrite>();
        while (group.Count < MaxUnitsPerCommit && _pending.TryDequeue(out var next))
        {
            if (next.TryTake())
            {
                group.Add(next);
            }
        }

        return group;
    }

    // Gives every unit of the group its outcome; never throws.
    private async Task RunGroupAsync(List<PendingWrite> group)
    {
        if (group.Count > 1 && await TryCommitTogetherAsync(group))
        {
            return;
        }

        foreach (var unit in group)
        {
            await unit.RunAloneAsync(this);
        }
    }

    private async Task<bool> TryCommitTogetherAsync(List<PendingWrite> group)
    {
        var committing = false;
        try
        {
            await using var transaction = await BeginUnderGateAsync(release: null, CancellationToken.None);
            foreach (var unit in group)
            {
                await transaction.Transaction.SaveAsync(UnitSavepoint);
                if (await unit.RunInGroupAsync(transaction.Session, Dialect))
                {
                    await transaction.Transaction.ReleaseAsync(UnitSavepoint);
                }
                else
                {
                    await transaction.Transaction.RollbackAsync(UnitSavepoint);
                    await transaction.Transaction.ReleaseAsync(UnitSavepoint);
                }
            }

            committing = true;
            await transaction.Transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e) when (committing && Dialect.IsUnavailable(e))
        {
            // Not re-run: a commit cut off on the way may have taken effect (as for a unit alone).
            foreach (var unit in group)
            {
                unit.Fail(new StoreUnavailableException(e));
            }

            return true;
        }
        catch (Exception)
        {
            // Nothing of the group was committed: each unit runs alone, with the usual retries and error mapping.
            return false;
        }

        Interlocked.Increment(ref _writeCommits);
        foreach (var unit in group)
        {
            unit.Publish();
        }

        return true;
    }

    private const string UnitSavepoint = "iamdb_unit";

    /// <summary>One caller's write unit waiting for the gate; taken by exactly one group, or abandoned by its caller.</summary>
    private abstract class PendingWrite
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Abandoned = 2;
        private int _state = Queued;

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued;

        /// <summary>Runs the unit in the group's transaction; false when it threw an error of its own (kept for its caller).</summary>
        /// <exception cref="DbException">and anything the dialect calls unavailable: the group's transaction is unusable.</exception>
        public abstract Task<bool> RunInGroupAsync(SqlSession session, SqlDialect dialect);

        /// <summary>After the group's commit: hands the kept result or error to the caller.</summary>
        public abstract void Publish();

        public abstract void Fail(Exception error);

        /// <summary>Runs the unit in its own transaction (with retries) and hands the outcome to the caller.</summary>
        public abstract Task RunAloneAsync(SqliteStateStore store);
    }

    private sealed class PendingWrite<T>(Func<SqlSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Outcome => _outcome.Task;

        public override async Task<bool> RunInGroupAsync(SqlSession session, SqlDialect dialect)
        {
            try
            {
                _result = await work(session, cancellationToken);
                _error = null;
                return true;
            }
            catch (Exception e) when (e is not DbException && !dialect.IsUnavailable(e))
            {
                _error = e;
                return false;
            }
        }

        public override void Publish()
        {
            if (_error is null)
            {
                _outcome.TrySetResult(_result!);
            }
            else
            {
                Fail(_error);
            }
        }

        public override void Fail(Exception error)
        {
            if (error is OperationCanceledException canceled)
            {
                _outcome.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _outcome.TrySetException(error);
            }
        }

        public override async Task RunAloneAsync(SqliteStateStore store)
        {
            try
            {
                var result = await store.RunWriteAsync(ct => store.BeginUnderGateAsync(release: null, ct), work, cancellationToken);
                Interlocked.Increment(ref store._writeCommits);
                _outcome.TrySetResult(result);
            }
            catch (Exception e)
            {
                Fail(e);
            }
        }
    }
}
