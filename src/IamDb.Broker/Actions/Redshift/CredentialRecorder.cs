using System.Threading.Channels;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// Records issued credentials with group commit, as the audit log does: concurrent issuances share one store transaction,
/// and each <see cref="RecordAsync"/> completes only once its row is durable. On SQLite with <c>synchronous=FULL</c> a
/// transaction per credential would serialize every issuance behind its own fsync.
/// </summary>
internal sealed class CredentialRecorder : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly IStateStore _store;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public CredentialRecorder(IStateStore store)
    {
        _store = store;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Completes when <paramref name="credential"/> is durable; throws what the store threw for it.</summary>
    public Task RecordAsync(IssuedCredential credential, CancellationToken ct)
    {
        var pending = new Pending(credential, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromException(new InvalidOperationException("the credential recorder is closed"));
        }

        // The row is written whether or not the caller waits; cancellation only stops the wait.
        return pending.Done.Task.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                await WriteAsync(batch);
                batch.ForEach(p => p.Done.TrySetResult());
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One bad row must not fail its neighbours: retry each alone.
                foreach (var item in batch)
                {
                    try
                    {
                        await WriteAsync([item]);
                        item.Done.TrySetResult();
                    }
                    catch (Exception ex)
                    {
                        item.Done.TrySetException(ex);
                    }
                }
            }
            catch (Exception ex)
            {
                batch[0].Done.TrySetException(ex);
            }
        }
    }

    private Task WriteAsync(IReadOnlyList<Pending> batch) =>
        _store.WriteAsync(async (w, ct) =>
        {
            foreach (var item in batch)
            {
                await w.Credentials.RecordAsync(item.Credential, ct);
            }
        });

    private sealed record Pending(IssuedCredential Credential, TaskCompletionSource Done);
}
