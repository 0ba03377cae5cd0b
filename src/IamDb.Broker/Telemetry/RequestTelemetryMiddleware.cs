using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// Wraps the Query-protocol pipeline: times each request and, once it is answered, counts it in
/// <see cref="BrokerMetrics"/> and writes the request log line (category <see cref="LogCategory"/>, Information). The one
/// place both are recorded, whatever stage answered; an exception that escapes the pipeline is recorded as a 500.
/// </summary>
internal sealed partial class RequestTelemetryMiddleware(ILoggerFactory loggers, bool metricsEnabled, Func<string, string, bool> isKnownAction)
{
    /// <summary>The logger category of the per-request lines (filter on it to silence or route them).</summary>
    public const string LogCategory = "IamDb.Broker.Requests";

    private const int MaxLoggedActionLength = 64;

    private readonly ILogger _logger = loggers.CreateLogger(LogCategory);

    /// <summary>True when there is anything to record (a request log reader or metrics).</summary>
    public bool IsActive => metricsEnabled || _logger.IsEnabled(LogLevel.Information);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        var telemetry = new RequestTelemetry();
        http.Features.Set(telemetry);
        try
        {
            await next(http);
        }
        finally
        {
            Record(http, telemetry, Stopwatch.GetElapsedTime(started));
        }
    }

    private void Record(HttpContext http, RequestTelemetry telemetry, TimeSpan elapsed)
    {
        // A request refused before its action was read (a throttled address, an unreadable body) names no service either.
        var service = telemetry.Action is null ? "unknown" : telemetry.Service ?? "unknown";
        var known = telemetry.Action is { } action && telemetry.Service is not null && isKnownAction(telemetry.Service, action);
        var outcome = telemetry.Described ? telemetry.ErrorCode ?? BrokerMetrics.Success : "InternalFailure";
        var status = telemetry.Described ? telemetry.Status : StatusCodes.Status500InternalServerError;
        if (metricsEnabled)
        {
            BrokerMetrics.Request(service, known ? telemetry.Action! : BrokerMetrics.UnknownAction, outcome, elapsed.TotalSeconds);
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            var loggedAction = known ? telemetry.Action! : LoggableAction(telemetry.Action);
            var source = SourceAddress(http);
            var milliseconds = Math.Round(elapsed.TotalMilliseconds, 3);
            LogRequest(_logger, telemetry.RequestId ?? "-", service, loggedAction, telemetry.CallerArn ?? "anonymous", source, outcome, status, milliseconds);
        }
    }

    // An action the broker does not serve is the caller's text: logged only when it looks like an action name, so that
    // a crafted value cannot forge log lines or flood them.
    private static string LoggableAction(string? action) =>
        action is { Length: > 0 and <= MaxLoggedActionLength } && action.All(char.IsAsciiLetterOrDigit) ? action
            : action is null ? "-" : "(invalid)";

    private static string SourceAddress(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } remote ? (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString() : IPAddress.Loopback.ToString();

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
        Message = "Request {RequestId} {Service}:{Action} by {Caller} from {SourceIp}: {Outcome} ({Status}) in {ElapsedMs} ms")]
    private static partial void LogRequest(
        ILogger logger, string requestId, string service, string action, string caller, string sourceIp, string outcome, int status, double elapsedMs);
}
