using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

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
    /// <summary>ISO 8601 in UTC with milliseconds, e.g. <c>2026-12-07T19:46:52.123Z</c>.</summary>
    private const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>
    /// Replaces the logging providers of <paramref name="logging"/> with one console provider in <paramref name="format"/>
    /// at <paramref name="level"/> and above. ASP.NET Core's own categories stay at Warning or above (their Information
    /// lines repeat what the broker's request log says).
    /// </summary>
    /// <param name="logging">The builder to configure.</param>
    /// <param name="format">Text or JSON lines.</param>
    /// <param name="level">The least severe level written.</param>
    public static ILoggingBuilder AddBrokerConsole(this ILoggingBuilder logging, LogFormat format, LogLevel level)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", level > LogLevel.Warning ? level : LogLevel.Warning);
        logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
        });
        if (format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = TimestampFormat;
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = TimestampFormat + " ";
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
            });
        }

        return logging;
    }
}
