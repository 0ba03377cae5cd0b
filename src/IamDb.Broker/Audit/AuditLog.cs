using System.Collections.Concurrent;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Redshift;
using IamDb.Broker.Telemetry;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Audit;

/// <summary>A use of a long-term access key to record for <c>GetAccessKeyLastUsed</c>.</summary>
internal sealed record AccessKeyUse(string AccessKeyId, DateTimeOffset At, string Service, string Region);

/// <summary>
/// Appends audit records with group commit: concurrent requests' records are written in one store transaction, and
/// each request's <see cref="AppendAsync"/> completes only once its record is durable. One commit per batch instead of
/// one per request is what lets a durable trail keep up with thousands of requests per second on SQLite. Each request
/// serializes its own record (in parallel, on its own thread) and the writer runs on a dedicated thread, so a commit's
/// fsync never blocks one of the few thread-pool threads that serve requests. The writer sleeps on a monitor that a request
/// pulses only when the writer is idle: no spinning before it sleeps, and no wake-up while it is committing anyway.
/// </summary>
internal sealed partial class AuditLog : IAsyncDisposable
{
    private const int MaxBatch = 512;
    private static readonly TimeSpan KeyUseInterval = TimeSpan.FromMinutes(1);

    private readonly IStateStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly Queue<Pending> _queue = new(); // guarded by _gate, as are _writerIdle and _closed
    private readonly ConcurrentDictionary<string, long> _lastKeyUse = new(StringComparer.Ordinal);
    private readonly Thread _writer;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _writerIdle;
    private bool _closed;

    public AuditLog(IStateStore store, TimeProvider time, ILogger<AuditLog> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "IamDb audit writer" };
        _writer.Start();
    }

    /// <summary>
    /// Queues <paramref name="record"/> (and the <paramref name="credential"/> the request issued, in the same transaction) and
    /// completes when it is durable; throws if the store refused it.
    /// </summary>
    public Task AppendAsync(AuditRecord record, AccessKeyUse? keyUse, IssuedCredential? credential = null)
    {
        var serialized = SerializedAuditRecord.Create(record);
        if (serialized.Json.Length > AuditLimits.MaxRecordChars)
        {
            serialized = SerializedAuditRecord.Create(AuditRecordFactory.Shrink(record, serialized.Json.Length));
        }

        var pending = new Pending(
            serialized, ShouldRecord(keyUse), credential, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            if (_closed)
            {
                return Task.FromException(new InvalidOperationException("the audit log is closed"));
            }

            _queue.Enqueue(pending);
            BrokerMetrics.AuditQueued();
            if (_writerIdle)
            {
                _writerIdle = false;
                Monitor.Pulse(_gate);
            }
        }

        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.Pulse(_gate);
        }

        await _writerDone.Task;
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

    // The store's SQLite calls complete synchronously, so waiting on them keeps this loop on its own thread; with
    // PostgreSQL the thread simply waits for each commit.
    private void WriteLoop()
    {
        try
        {
            var batch = new List<Pending>(MaxBatch);
            var records = new List<SerializedAuditRecord>(MaxBatch);
            while (TakeBatch(batch))
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    WriteBatchAsync(batch, records).GetAwaiter().GetResult();
                    BrokerMetrics.AuditCommitted(batch.Count, succeeded: true, System.Diagnostics.Stopwatch.GetElapsedTime(started));
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
                        started = System.Diagnostics.Stopwatch.GetTimestamp();
                        BrokerMetrics.AuditCommitted(1, WriteOne(item, records), System.Diagnostics.Stopwatch.GetElapsedTime(started));
                    }
                }
                catch (Exception ex)
                {
                    LogAppendFailed(_logger, batch[0].Record.Record.RequestId, ex);
                    BrokerMetrics.AuditCommitted(1, succeeded: false, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                    batch[0].Done.TrySetException(ex);
                }
            }
        }
        finally
        {
            _writerDone.TrySetResult();
        }
    }

    // Blocks the writer thread until records are queued and takes up to a batch of them; false once the log is closed and drained.
    private bool TakeBatch(List<Pending> batch)
    {
        batch.Clear();
        lock (_gate)
        {
            while (_queue.Count == 0)
            {
                if (_closed)
                {
                    return false;
                }

                _writerIdle = true;
                Monitor.Wait(_gate);
            }

            _writerIdle = false;
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var item))
            {
                batch.Add(item);
            }
        }

        return true;
    }

    private bool WriteOne(Pending item, List<SerializedAuditRecord> records)
    {
        try
        {
            WriteBatchAsync([item], records).GetAwaiter().GetResult();
            item.Done.TrySetResult();
            return true;
        }
        catch (EntityAlreadyExistsException ex) when (ex.EntityKind == "AuditEvent" && ex.Name == item.Record.Record.EventId)
        {
            // The batch's commit reached the store but its answer was lost (connection cut): the record, and the key use and
            // credential written in the same transaction, are durable already.
            item.Done.TrySetResult();
            return true;
        }
        catch (Exception ex)
        {
            LogAppendFailed(_logger, item.Record.Record.RequestId, ex);
            item.Done.TrySetException(ex);
            return false;
        }
    }

    private Task WriteBatchAsync(IReadOnlyList<Pending> batch, List<SerializedAuditRecord> records)
    {
        records.Clear();
        foreach (var item in batch)
        {
            records.Add(item.Record);
        }

        return _store.WriteAsync(async (writer, ct) =>
        {
            await writer.Audit.AppendAsync(records, ct);
            foreach (var item in batch)
            {
                if (item.KeyUse is { } use)
                {
                    await writer.AccessKeys.RecordUseAsync(use.AccessKeyId, use.At, use.Service, use.Region, ct);
                }

                if (item.Credential is { } credential)
                {
                    await writer.Credentials.RecordAsync(credential, ct);
                }
            }
        });
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Audit batch of {Count} records failed; retrying one by one")]
    private static partial void LogBatchRetried(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Audit record for request {RequestId} could not be written")]
    private static partial void LogAppendFailed(ILogger logger, string requestId, Exception exception);

    private sealed record Pending(SerializedAuditRecord Record, AccessKeyUse? KeyUse, IssuedCredential? Credential, TaskCompletionSource Done);
}
