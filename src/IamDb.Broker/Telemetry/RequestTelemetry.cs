using Microsoft.AspNetCore.Http;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// What the pipeline tells the request log and metrics about one answered request: a feature that
/// <see cref="RequestTelemetryMiddleware"/> puts on the <see cref="HttpContext"/> and the pipeline fills with one
/// <see cref="Describe"/> call once it knows the answer. Never holds a secret: an ARN, names and codes only.
/// </summary>
internal sealed class RequestTelemetry
{
    public string? RequestId { get; private set; }

    public string? Service { get; private set; }

    public string? Action { get; private set; }

    public string? CallerArn { get; private set; }

    /// <summary>The AWS error code answered, or null for success.</summary>
    public string? ErrorCode { get; private set; }

    public int Status { get; private set; }

    /// <summary>True once the pipeline has described its answer.</summary>
    public bool Described { get; private set; }

    /// <summary>Records the answer on the request's feature, if telemetry is on for it (a no-op otherwise).</summary>
    public static void Describe(HttpContext http, string requestId, string service, string? action, string? callerArn, string? errorCode, int status)
    {
        if (http.Features.Get<RequestTelemetry>() is not { } telemetry)
        {
            return;
        }

        telemetry.RequestId = requestId;
        telemetry.Service = service;
        telemetry.Action = action;
        telemetry.CallerArn = callerArn;
        telemetry.ErrorCode = errorCode;
        telemetry.Status = status;
        telemetry.Described = true;
    }
}
