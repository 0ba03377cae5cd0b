using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Telemetry;

/// <summary>The start-up and shutdown lines (category <c>IamDb.Broker</c>, Information).</summary>
internal static partial class BrokerLifecycleLog
{
    public const string Category = "IamDb.Broker";

    /// <summary>The start-up line: version, addresses, store kind, data directory and where metrics are scraped.</summary>
    public static void Started(ILoggerFactory loggers, IEnumerable<Uri> addresses, string store, string dataDirectory, Uri? metrics)
    {
        var logger = loggers.CreateLogger(Category);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var version = typeof(BrokerLifecycleLog).Assembly.GetName().Version?.ToString(3) ?? "unknown";
            var urls = string.Join(", ", addresses);
            var scrape = metrics?.ToString() ?? "off";
            LogStarted(logger, version, urls, store, dataDirectory, scrape);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "IamDb {Version} started: listening on {Urls}; store {Store}; data directory {DataDirectory}; metrics {Metrics}")]
    private static partial void LogStarted(ILogger logger, string version, string urls, string store, string dataDirectory, string metrics);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "IamDb stopping: no new requests; in-flight requests finish within {TimeoutSeconds} s")]
    public static partial void Stopping(ILogger logger, double timeoutSeconds);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "IamDb stopped: in-flight requests finished, audit log flushed")]
    public static partial void Stopped(ILogger logger);
}
