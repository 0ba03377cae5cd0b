using System.Collections.Concurrent;
using System.Threading.Channels;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Audit;

/// <summary>A use of a long-term access key to record for <c>GetAccessKeyLastUsed</c>.</summary>
internal sealed record AccessKeyUse(string AccessKeyId, DateTimeOffset At, string Service, string Region);

/// <summary>
/// Appends audit records with group commit: concurrent requests' records are written in one store transaction, and
/// each request's <see cref="AppendAsync"/> completes only once its record is durable. One commit per batch instead of
/// one per request is what lets a durable trail keep up with thousands of requests per second on SQLite.
/// </summary>
internal sealed partial class AuditLog : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private static readonly TimeSpan KeyUseInterval = TimeSpan.FromMinutes(1);

    private readonly IStateStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, long> _lastKeyUse = new(StringComparer.Ordinal);
    private readonly Task _writer;

    public AuditLog(IStateStore store, TimeProvider time, ILogger<AuditLog> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues <paramref name="record"/> and completes when it is durable; throws if the store refused it.</summary>
    public Task AppendAsync(AuditRecord record, AccessKeyUse? keyUse)
    {
        var pending = new Pending(record, ShouldRecord(keyUse), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromException(new InvalidOperationException("the audit log is closed"));
        }

        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    // Key use is bookkeeping, not audit: recording it at most once a minute per key keeps it off the hot path.
    private AccessKeyUse? ShouldRecord(AccessKeyUse? use)
    {
        if (use is null)
        {
            return null;
        }

        var now = _time.GetTimestamp();
        if (_lastKeyUse.TryGetValue(use.AccessKeyId, out var last) && _time.GetElapsedTime(last, now) < KeyUseInterval)
        {
            return null;
        }

        _lastKeyUse[use.AccessKeyId] = now;
        return use;
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
                await WriteBatchAsync(batch);
                foreach (var item in batch)
                {
                    item.Done.TrySetResult();
                }
            }
            catch (Exception ex) when (batch.Count > 1)
            {
                // One bad record must not fail its neighbours: retry each alone.
                LogBatchRetried(_logger, batch.Count, ex);
                foreach (var item in batch)
                {
                    await WriteOneAsync(item);
                }
            }
            catch (Exception ex)
            {
                LogAppendFailed(_logger, batch[0].Record.RequestId, ex);
                batch[0].Done.TrySetException(ex);
            }
        }
    }

    private async Task WriteOneAsync(Pending item)
    {
        try
        {
            await WriteBatchAsync([item]);
            item.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            LogAppendFailed(_logger, item.Record.RequestId, ex);
            item.Done.TrySetException(ex);
        }
    }

    private Task WriteBatchAsync(IReadOnlyList<Pending> batch) =>
        _store.WriteAsync(async (writer, ct) =>
        {
            foreach (var item in batch)
            {
                await writer.Audit.AppendAsync(item.Record, ct);
                if (item.KeyUse is { } use)
                {
                    await writer.AccessKeys.RecordUseAsync(use.AccessKeyId, use.At, use.Service, use.Region, ct);
                }
            }
        });

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Audit batch of {Count} records failed; retrying one by one")]
    private static partial void LogBatchRetried(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Audit record for request {RequestId} could not be written")]
    private static partial void LogAppendFailed(ILogger logger, string requestId, Exception exception);

    private sealed record Pending(AuditRecord Record, AccessKeyUse? KeyUse, TaskCompletionSource Done);
}
