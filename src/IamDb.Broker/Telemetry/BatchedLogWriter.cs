namespace IamDb.Broker.Telemetry;

/// <summary>
/// Writes whole log lines to one output (standard error) from a background thread, many lines per write: callers copy a
/// finished line into a pending buffer under a lock and return; the thread swaps that buffer for an empty one and writes
/// it with one call. Lines are never torn or interleaved (only the thread writes, and only whole lines are queued).
/// </summary>
/// <remarks>
/// Back-pressure: the pending buffer is bounded (<see cref="Capacity"/>). When the output cannot keep up and the buffer
/// is full, a line is dropped rather than making the caller (a request) wait for the reader of standard error; the drops
/// are counted (metric <c>iamdb_log_lines_dropped_total</c>) and, once the buffer has room again, a Warning line says how
/// many were lost. <see cref="Dispose"/> writes everything queued before it returns (bounded by a timeout, in case the
/// reader of standard error is gone for good).
/// </remarks>
internal sealed class BatchedLogWriter : IDisposable
{
    /// <summary>The default bound of queued, unwritten log text: ~10,000 request lines, seconds of peak traffic.</summary>
    public const int DefaultCapacity = 4 * 1024 * 1024;

    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream _output;
    private readonly Func<long, byte[]> _dropNotice;
    private readonly TimeSpan _batchDelay;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Thread _thread;
    private readonly object _gate = new(); // a monitor: the thread waits on it
    private readonly EventHandler _onProcessExit;

    private byte[] _pending = new byte[InitialBufferSize];
    private int _pendingLength;
    private byte[] _spare = new byte[InitialBufferSize];
    private long _dropped;
    private bool _idle;
    private bool _closing;
    private bool _closed;
    private bool _broken;

    /// <param name="output">Where batches go (standard error's stream in the product).</param>
    /// <param name="dropNotice">Formats the line that reports how many lines were dropped.</param>
    /// <param name="capacity">The most bytes queued before lines are dropped.</param>
    /// <param name="batchDelay">How long the thread collects lines after a write before the next one (fewer writes and wake-ups).</param>
    /// <param name="shutdownTimeout">How long <see cref="Dispose"/> waits for the queued lines to be written.</param>
    public BatchedLogWriter(Stream output, Func<long, byte[]> dropNotice, int capacity = DefaultCapacity, TimeSpan? batchDelay = null, TimeSpan? shutdownTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(dropNotice);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1024);
        _output = output;
        _dropNotice = dropNotice;
        Capacity = capacity;
        _batchDelay = batchDelay ?? TimeSpan.FromMilliseconds(20);
        _shutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5);
        _thread = new Thread(Run) { IsBackground = true, Name = "IamDb log writer" };
        _thread.Start();

        // A process that exits without disposing its host still writes what it logged.
        _onProcessExit = (_, _) => Dispose();
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
    }

    /// <summary>The most bytes of log text queued and not yet written.</summary>
    public int Capacity { get; }

    /// <summary>Lines dropped because the queue was full, since this writer started.</summary>
    public long DroppedTotal { get; private set; }

    /// <summary>Queues one whole line (ending with a line feed); drops and counts it if the queue is full.</summary>
    public void Enqueue(ReadOnlySpan<byte> line)
    {
        lock (_gate)
        {
            if (_closed)
            {
                // Logged after shutdown (a late background task): nobody batches any more; write it as it comes.
                WriteOut(line);
                return;
            }

            var needed = _pendingLength + line.Length;
            if (needed > Capacity)
            {
                _dropped++;
                DroppedTotal++;
                BrokerMetrics.LogLinesDropped();
                return;
            }

            if (needed > _pending.Length)
            {
                var grown = new byte[Math.Min(Capacity, Math.Max(needed, _pending.Length * 2))];
                _pending.AsSpan(0, _pendingLength).CopyTo(grown);
                _pending = grown;
            }

            line.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength = needed;

            // Wake the thread only when it sleeps with nothing to do, or when the queue is filling up; otherwise it comes
            // back by itself after its batch delay (one wake-up per batch, not per line).
            if (_idle || _pendingLength >= Capacity / 2)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Writes every queued line, then stops the thread (waits at most the shutdown timeout).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
            Monitor.PulseAll(_gate);
        }

        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        _thread.Join(_shutdownTimeout);
    }

    private void Run()
    {
        while (true)
        {
            byte[] batch;
            int length;
            long dropped;
            lock (_gate)
            {
                while (_pendingLength == 0 && _dropped == 0 && !_closing)
                {
                    _idle = true;
                    Monitor.Wait(_gate);
                    _idle = false;
                }

                if (_pendingLength == 0 && _dropped == 0)
                {
                    _closed = true;
                    return;
                }

                (batch, length, dropped) = (_pending, _pendingLength, _dropped);
                (_pending, _pendingLength, _dropped) = (_spare, 0, 0);
                _spare = batch;
            }

            WriteOut(batch.AsSpan(0, length));
            if (dropped > 0)
            {
                WriteOut(_dropNotice(dropped));
            }

            lock (_gate)
            {
                if (!_closing && _pendingLength < Capacity / 2)
                {
                    Monitor.Wait(_gate, _batchDelay);
                }
            }
        }
    }

    private void WriteOut(ReadOnlySpan<byte> bytes)
    {
        if (_broken)
        {
            return;
        }

        try
        {
            _output.Write(bytes);
            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            // Standard error is closed (its reader went away): there is nowhere left to say so.
            _broken = true;
        }
    }
}
