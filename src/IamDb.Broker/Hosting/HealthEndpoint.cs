using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IamDb.Broker.Hosting;

/// <summary>
/// <c>GET /health</c>: liveness and store reachability, without authentication. It says nothing about the account or the
/// deployment (no account id, no store kind): anyone who can reach the port can read it.
/// </summary>
internal static class HealthEndpoint
{
    public const string Path = "/health";

    public static async Task InvokeAsync(HttpContext http, BrokerRuntime runtime)
    {
        var storeOk = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await runtime.Store.ReadAsync((r, ct) => r.Guardrails.ListAsync(runtime.AccountId, ct), timeout.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            storeOk = false;
        }

        http.Response.StatusCode = storeOk ? 200 : 503;
        http.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", storeOk ? "ok" : "degraded");
            json.WriteString("store", storeOk ? "reachable" : "unreachable");
            json.WriteString("time", runtime.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        await http.Response.Body.WriteAsync(buffer.ToArray(), http.RequestAborted);
    }
}
