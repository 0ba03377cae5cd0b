using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Telemetry;

/// <summary>How the broker writes its log lines to standard error.</summary>
public enum LogFormat
{
    /// <summary>One line per entry: UTC timestamp, level, category, event id, message.</summary>
    Text,

    /// <summary>One JSON object per line (timestamp, level, category, event id, message and each field under <c>State</c>).</summary>
    Json,
}

/// <summary>The broker's console logging: every entry on standard error, so that standard output carries only the ready text.</summary>
public static class BrokerConsoleLogging
{
    /// <summary>
    /// Replaces the logging providers of <paramref name="logging"/> with the broker's standard-error logger in
    /// <paramref name="format"/> at <paramref name="level"/> and above. ASP.NET Core's own categories stay at Warning or
    /// above (their Information lines repeat what the broker's request log says). Lines are written in batches by a
    /// background thread; disposing the host writes the last of them. If standard error cannot keep up, lines are
    /// dropped rather than slowing requests, and a Warning line says how many.
    /// </summary>
    /// <param name="logging">The builder to configure.</param>
    /// <param name="format">Text or JSON lines.</param>
    /// <param name="level">The least severe level written.</param>
    public static ILoggingBuilder AddBrokerConsole(this ILoggingBuilder logging, LogFormat format, LogLevel level) =>
        logging.AddBrokerLog(format, level, () => Console.OpenStandardError(), colors: format == LogFormat.Text && ColorsWanted());

    /// <summary>As <see cref="AddBrokerConsole"/>, to any stream (tests read what was written).</summary>
    internal static ILoggingBuilder AddBrokerLog(
        this ILoggingBuilder logging, LogFormat format, LogLevel level, Func<Stream> output, bool colors = false,
        int capacity = BatchedLogWriter.DefaultCapacity, TimeSpan? batchDelay = null)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", level > LogLevel.Warning ? level : LogLevel.Warning);

        // Created (and disposed, which writes the queued lines) by the host's service provider.
        logging.Services.AddSingleton<ILoggerProvider>(_ => new BrokerLogProvider(format, output(), colors, capacity, batchDelay));
        return logging;
    }

    // As the console logger did: colours for a terminal, none when standard error is a file or a pipe, none if NO_COLOR is set.
    private static bool ColorsWanted() =>
        !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
