using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using IamDb.Broker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace IamDb.Broker.LoadTest;

/// <summary>
/// <c>--log-cost N</c>: the CPU one request log line costs, without the broker around it: N lines of the request log's
/// shape through the .NET console logger (configured as the broker configured it before it had its own writer) and
/// through the broker's batched writer, alternately, each to standard error (redirect it to a file or a pipe). The
/// process's CPU time per line, flush included, is what a busy machine distorts least.
/// </summary>
internal static partial class LogLineCost
{
    public static void Run(int lines, int rounds)
    {
        Console.WriteLine($"{lines} request lines per run, JSON, standard error {(Console.IsErrorRedirected ? "redirected" : "a terminal (redirect it: a terminal is slow)")}");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, configure) in new (string, Action<ILoggingBuilder>)[] { ("console logger", ConsoleAsBefore), ("broker writer", BrokerWriter) })
            {
                var (cpu, wall, dropped) = Measure(lines, configure);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round} {name,-14}: {cpu.TotalMicroseconds / lines,6:0.00} µs CPU per line, {lines / wall.TotalSeconds,9:0} lines/s (wall, flush included), {dropped} dropped"));
            }
        }
    }

    private static (TimeSpan Cpu, TimeSpan Wall, long Dropped) Measure(int lines, Action<ILoggingBuilder> configure)
    {
        var services = new ServiceCollection().AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            configure(logging);
        }).BuildServiceProvider();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("IamDb.Broker.Requests");
        for (var i = 0; i < 1_000; i++)
        {
            LogRequest(logger, "warm-up", "sts", "GetCallerIdentity", "arn:aws:iam::123456789012:root", "127.0.0.1", "Success", 200, 0.5);
        }

        long dropped = 0;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && instrument.Name == "iamdb.log.lines.dropped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref dropped, value));
        meters.Start();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Parallel.For(0, lines, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            LogRequest(logger, "1b4e28ba-2fa1-4d3c-883f-0d0e7f6a0c21", "sts", "GetCallerIdentity", "arn:aws:iam::123456789012:root", "127.0.0.1", "Success", 200, i / 1000.0));
        services.Dispose(); // writes what is still queued
        self.Refresh();
        return (self.TotalProcessorTime - cpu, wall.Elapsed, Interlocked.Read(ref dropped));
    }

    // What BrokerConsoleLogging configured before the broker had its own writer.
    private static void ConsoleAsBefore(ILoggingBuilder logging)
    {
        logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = ConsoleFormatterNames.Json;
        });
        logging.AddJsonConsole(o =>
        {
            o.TimestampFormat = LogLineFormatter.TimestampFormat;
            o.UseUtcTimestamp = true;
            o.IncludeScopes = false;
            o.JsonWriterOptions = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        });
    }

    // A queue that holds the whole run, so that every line is written (the product's 4 MiB bound drops lines when a
    // flood outruns standard error; the cost of a line, not that policy, is measured here).
    private static void BrokerWriter(ILoggingBuilder logging) =>
        logging.AddBrokerLog(LogFormat.Json, LogLevel.Information, Console.OpenStandardError, capacity: 512 * 1024 * 1024);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Request {RequestId} {Service}:{Action} by {Caller} from {SourceIp}: {Outcome} ({Status}) in {ElapsedMs} ms")]
    private static partial void LogRequest(
        ILogger logger, string requestId, string service, string action, string caller, string sourceIp, string outcome, int status, double elapsedMs);
}
