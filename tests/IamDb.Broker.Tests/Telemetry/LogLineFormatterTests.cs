using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using IamDb.Broker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

#pragma warning disable CA1873 // every entry here is written: what the arguments cost is irrelevant

namespace IamDb.Broker.Tests.Telemetry;

/// <summary>
/// The broker's own line formatter against the .NET console logger's formatters it replaced, configured as the broker
/// configured them: for the same entries (LoggerMessage fields of every JSON-relevant type, exceptions, line breaks,
/// quotes, non-ASCII text, every level) both write the same bytes, timestamps aside (those are compared by shape).
/// </summary>
public sealed partial class LogLineFormatterTests
{
    private const string Category = "IamDb.Broker.Requests";

    private static readonly Regex Timestamp = new(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", RegexOptions.CultureInvariant);

    [Theory]
    [InlineData(LogFormat.Json, false)]
    [InlineData(LogFormat.Text, false)]
    [InlineData(LogFormat.Text, true)]
    public void EveryEntry_IsWrittenAsTheConsoleLoggerWroteIt(LogFormat format, bool colors)
    {
        var microsoft = ConsoleFormatterAsTheBrokerConfiguredIt(format, colors);
        var ours = new LogLineFormatter(format, colors);
        var capture = new CapturingLogger();
        WriteEntries(capture);

        Assert.True(capture.Entries.Count >= 15);
        foreach (var entry in capture.Entries)
        {
            var expected = entry.Microsoft(microsoft);
            var actual = entry.Ours(ours);

            Assert.Matches(@"^(\{""Timestamp"":"")?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", actual);
            Assert.Equal(Timestamp.Replace(expected, "T"), Timestamp.Replace(actual, "T"));
            Assert.EndsWith("\n", actual, StringComparison.Ordinal);
            Assert.Equal(1, actual.Count(c => c == '\n'));
            if (format == LogFormat.Json)
            {
                using var parsed = JsonDocument.Parse(actual);
                Assert.Equal(entry.Message, parsed.RootElement.GetProperty("Message").GetString());
            }
        }
    }

    private static void WriteEntries(ILogger logger)
    {
        LogRequest(logger, "1b4e28ba-2fa1-4d3c-883f-0d0e7f6a0c21", "sts", "GetCallerIdentity", "arn:aws:iam::123456789012:user/alice", "127.0.0.1", "Success", 200, 0.412);
        LogRequest(logger, "-", "unknown", "(invalid)", "anonymous", "::1", "MissingAuthenticationToken", 403, 12);
        LogQuoted(logger, "a \"quoted\" name with \\ and / and <tags> & 'apostrophes'", "é, 日本語, 🙂, \u0001 control, tab\there");
        LogQuoted(logger, "first line\nsecond line", "carriage\r\nreturn");
        LogTypes(logger, true, 7, -3, 'x', 1.5m, 2.25f, 123456789012L, 4000000000u, 18000000000000000000UL, (short)-12, (ushort)65000, null, Guid.Empty, new DateTimeOffset(2026, 12, 7, 1, 2, 3, TimeSpan.Zero));
        LogDouble(logger, 1e-7);
        LogDouble(logger, 12345.678);
        logger.LogInformation("A plain message with {Count} items and {Name}", 3L, "name");
        logger.LogInformation("No fields at all");
        logger.LogTrace("trace {Level}", "t");
        logger.LogDebug("debug {Level}", "d");
        logger.LogWarning(new EventId(0), "warning with event id 0");
        logger.LogError(ThrownException(), "failed: {Reason}", "because");
        logger.LogCritical(int.MaxValue, "critical, the largest event id");
        logger.Log(LogLevel.Information, new EventId(5), "a state that is a string", null, static (s, _) => s);
        logger.LogInformation("timestamp-looking text 2026-01-01T00:00:00.000Z stays text");
    }

    private static Exception ThrownException()
    {
        try
        {
            throw new InvalidOperationException("outer", new ArgumentException("inner\nwith a line break"));
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static ConsoleFormatter ConsoleFormatterAsTheBrokerConfiguredIt(LogFormat format, bool colors)
    {
        // The settings BrokerConsoleLogging passed to AddJsonConsole / AddSimpleConsole before it had its own provider.
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = LogLineFormatter.TimestampFormat;
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = LogLineFormatter.TimestampFormat + " ";
                o.UseUtcTimestamp = true;
                o.IncludeScopes = false;
                o.ColorBehavior = colors ? LoggerColorBehavior.Enabled : LoggerColorBehavior.Disabled;
            });
        });
        using var provider = services.BuildServiceProvider();
        var name = format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
        return provider.GetServices<ConsoleFormatter>().Single(f => f.Name == name);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Request {RequestId} {Service}:{Action} by {Caller} from {SourceIp}: {Outcome} ({Status}) in {ElapsedMs} ms")]
    private static partial void LogRequest(
        ILogger logger, string requestId, string service, string action, string caller, string sourceIp, string outcome, int status, double elapsedMs);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Quoted {Name} and {Text}")]
    private static partial void LogQuoted(ILogger logger, string name, string text);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information,
        Message = "Types {Bool} {Int} {SByte} {Char} {Decimal} {Float} {Long} {UInt} {ULong} {Short} {UShort} {Null} {Guid} {When}")]
    private static partial void LogTypes(
        ILogger logger, bool @bool, int @int, sbyte @sByte, char @char, decimal @decimal, float @float, long @long, uint @uInt, ulong @uLong, short @short,
        ushort @uShort, string? @null, Guid guid, DateTimeOffset when);

    [LoggerMessage(EventId = 19, Level = LogLevel.Debug, Message = "Double {Value}")]
    private static partial void LogDouble(ILogger logger, double value);

    /// <summary>Keeps each entry as it was logged, to replay it through both formatters.</summary>
    private sealed class CapturingLogger : ILogger
    {
        public List<(string Message, Func<ConsoleFormatter, string> Microsoft, Func<LogLineFormatter, string> Ours)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            Entries.Add((
                message,
                microsoft =>
                {
                    using var writer = new StringWriter { NewLine = "\n" };
                    microsoft.Write(new LogEntry<TState>(logLevel, Category, eventId, state, exception, formatter), null, writer);
                    return writer.ToString();
                },
                ours => Encoding.UTF8.GetString(ours.Format(DateTime.UtcNow, logLevel, Category, eventId, state, formatter(state, exception), exception))));
        }
    }
}
