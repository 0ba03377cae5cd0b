using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// The broker's logger provider: each entry is formatted on the logging thread straight into UTF-8
/// (<see cref="LogLineFormatter"/>) and handed to a <see cref="BatchedLogWriter"/> that writes many lines per write to
/// standard error. Replaces the .NET console logger, whose per-line strings, queue and one write per line made the
/// request log cost a third of GetCallerIdentity's throughput. Filtering by level and category stays with the logger factory.
/// </summary>
internal sealed class BrokerLogProvider : ILoggerProvider
{
    /// <summary>The category of the line that reports dropped lines.</summary>
    public const string Category = "IamDb.Broker.Logging";

    /// <summary>The event id of the line that reports dropped lines.</summary>
    public const int DroppedEventId = 1004;

    private readonly ConcurrentDictionary<string, Logger> _loggers = new(StringComparer.Ordinal);
    private readonly LogLineFormatter _formatter;

    /// <param name="format">Text or JSON lines.</param>
    /// <param name="output">Where the lines go (standard error's stream in the product).</param>
    /// <param name="colors">Colour the level of text lines (for a terminal).</param>
    /// <param name="capacity">The most bytes queued and unwritten before lines are dropped.</param>
    /// <param name="batchDelay">How long the writer collects lines between writes.</param>
    public BrokerLogProvider(LogFormat format, Stream output, bool colors = false, int capacity = BatchedLogWriter.DefaultCapacity, TimeSpan? batchDelay = null)
    {
        _formatter = new LogLineFormatter(format, colors);
        Writer = new BatchedLogWriter(output, DropNotice, capacity, batchDelay);
    }

    internal BatchedLogWriter Writer { get; }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, static (name, provider) => new Logger(name, provider), this);

    /// <summary>Writes every queued line (the shutdown line included) before returning.</summary>
    public void Dispose() => Writer.Dispose();

    private byte[] DropNotice(long count)
    {
        var state = new DroppedLines(count);
        return _formatter.Format(DateTime.UtcNow, LogLevel.Warning, Category, new EventId(DroppedEventId), state, state.ToString(), null).ToArray();
    }

    private sealed class Logger(string category, BrokerLogProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null; // scopes are not written (the console logger ran with IncludeScopes = false)

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.None)
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            var message = formatter(state, exception);
            if (message is null && exception is null)
            {
                return;
            }

            var line = provider._formatter.Format(DateTime.UtcNow, logLevel, category, eventId, state, message, exception);
            provider.Writer.Enqueue(line);
        }
    }

    /// <summary>The fields of the dropped-lines notice, shaped like a <c>LoggerMessage</c> entry's state.</summary>
    private readonly struct DroppedLines(long count) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private const string Template = "{Count} log lines were dropped: standard error did not keep up (its reader is slow or stopped)";

        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("Count", count),
            1 => new("{OriginalFormat}", Template),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{count} log lines were dropped: standard error did not keep up (its reader is slow or stopped)";
    }
}
