using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IamDb.Broker.Telemetry;
using Microsoft.Extensions.Logging;

#pragma warning disable CA1873 // every entry here is written: what the arguments cost is what is being tested

namespace IamDb.Broker.Tests.Telemetry;

/// <summary>
/// The batched standard-error logger: lines from many threads arrive whole and in each thread's order, many per write;
/// a stalled reader makes it drop (and count, and then report) lines instead of blocking the caller; disposing it writes
/// everything queued.
/// </summary>
public sealed class BrokerLogProviderTests
{
    [Fact]
    public async Task LinesFromManyThreads_AreAllWrittenWhole_InEachThreadsOrder_InFewerWritesThanLines()
    {
        const int threads = 8;
        const int perThread = 2_000;
        var output = new RecordingStream();
        // Room for every line even if the writer thread gets no CPU until the end (a busy machine): dropping is
        // StalledReader's subject, not this test's; 16,000 lines of up to ~600 bytes outgrow the default 4 MiB.
        using (var provider = new BrokerLogProvider(LogFormat.Json, output, capacity: 64 * 1024 * 1024, batchDelay: TimeSpan.FromMilliseconds(5)))
        {
            var logger = provider.CreateLogger("IamDb.Broker.Requests");
            await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(
                () =>
                {
                    for (var i = 0; i < perThread; i++)
                    {
                        // Lengths vary so that a torn or interleaved line could not pass for a whole one.
                        logger.LogInformation("thread {Thread} line {Line} {Padding}", t, i, new string('x', (t * 37 + i) % 300));
                    }
                },
                TestContext.Current.CancellationToken)));
        }

        var lines = output.Lines();
        Assert.Equal(threads * perThread, lines.Count);
        var next = new int[threads];
        foreach (var line in lines)
        {
            var state = JsonDocument.Parse(line).RootElement.GetProperty("State");
            var thread = state.GetProperty("Thread").GetInt32();
            Assert.Equal(next[thread]++, state.GetProperty("Line").GetInt32());
        }

        Assert.All(next, n => Assert.Equal(perThread, n));
        Assert.True(output.Writes < lines.Count / 10, $"{output.Writes} writes for {lines.Count} lines: not batched");
    }

    [Fact]
    public async Task StalledReader_DropsWhatDoesNotFit_WithoutBlocking_ThenReportsTheCount()
    {
        long counted = 0;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && instrument.Name == "iamdb.log.lines.dropped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        meters.Start();
        var output = new RecordingStream { Stalled = true };
        const int capacity = 8 * 1024;
        using var provider = new BrokerLogProvider(LogFormat.Json, output, capacity: capacity, batchDelay: TimeSpan.FromMilliseconds(1));
        var logger = provider.CreateLogger("IamDb.Broker.Requests");

        logger.LogInformation("line {Number}", "0000");
        Assert.True(output.WriteStarted.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the writer never started writing");
        var lineLength = Encoding.UTF8.GetByteCount(output.Pending[0]);

        // The writer is stuck in a write: 500 more lines must neither block this thread nor grow the queue past its bound.
        var logging = Task.Run(
            () =>
            {
                for (var i = 1; i <= 500; i++)
                {
                    logger.LogInformation("line {Number}", i.ToString("D4", CultureInfo.InvariantCulture));
                }
            },
            TestContext.Current.CancellationToken);
        await logging.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken); // throws if logging blocked on the stalled reader
        var fitted = capacity / lineLength;
        Assert.Equal(500 - fitted, provider.Writer.DroppedTotal);
        Assert.Equal(500 - fitted, Interlocked.Read(ref counted)); // iamdb_log_lines_dropped_total

        output.Release();
        provider.Dispose();

        var lines = output.Lines();
        Assert.Equal(1 + fitted + 1, lines.Count);
        var numbers = lines.Take(1 + fitted).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("State").GetProperty("Number").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, 1 + fitted).Select(i => i.ToString("D4", CultureInfo.InvariantCulture)), numbers);
        var notice = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.Equal("Warning", notice.GetProperty("LogLevel").GetString());
        Assert.Equal(BrokerLogProvider.Category, notice.GetProperty("Category").GetString());
        Assert.Equal(BrokerLogProvider.DroppedEventId, notice.GetProperty("EventId").GetInt32());
        Assert.Equal(500 - fitted, notice.GetProperty("State").GetProperty("Count").GetInt64());
        Assert.StartsWith($"{500 - fitted} log lines were dropped", notice.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_WritesEveryQueuedLine_EvenWithinALongBatchDelay()
    {
        var output = new RecordingStream();
        var provider = new BrokerLogProvider(LogFormat.Text, output, batchDelay: TimeSpan.FromMinutes(5));
        var logger = provider.CreateLogger("IamDb.Broker");
        for (var i = 0; i < 1_000; i++)
        {
            logger.LogInformation("line {Number}", i);
        }

        logger.LogInformation("the last line");
        provider.Dispose();

        var lines = output.Lines();
        Assert.Equal(1_001, lines.Count);
        Assert.EndsWith("IamDb.Broker[0] the last line", lines[^1], StringComparison.Ordinal);
    }

    /// <summary>Records what is written, counts the writes, and can hold a write until released (a stalled reader).</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _written = new();
        private readonly ManualResetEventSlim _released = new(false);

        public bool Stalled { get; init; }

        public ManualResetEventSlim WriteStarted { get; } = new(false);

        public int Writes { get; private set; }

        /// <summary>What the held write carries (read while it is held).</summary>
        public List<string> Pending { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _released.Set();

        public List<string> Lines()
        {
            lock (_written)
            {
                return Encoding.UTF8.GetString(_written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            }
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Stalled && !_released.IsSet)
            {
                Pending.AddRange(Encoding.UTF8.GetString(buffer).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n"));
                WriteStarted.Set();
                _released.Wait(TimeSpan.FromSeconds(30));
            }

            lock (_written)
            {
                Writes++;
                _written.Write(buffer);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _released.Dispose();
                WriteStarted.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
