using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// Where <c>GET /metrics</c> is served: on the broker's own URLs, or on a separate listener that serves nothing else
/// (the broker's URLs then answer it like any other unsigned request). Connections of the separate listener are marked
/// when accepted, so requests are told apart whatever port it was given (port 0 included).
/// </summary>
internal sealed class MetricsListener
{
    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    private static readonly object Marker = new();

    private ListenOptions? _listen;

    /// <summary>The separate listener's bound port (known once the server started), or null when there is none.</summary>
    public int? Port => _listen?.IPEndPoint?.Port;

    /// <summary>Adds the separate listener (plain HTTP/1.1: Prometheus scrapes that way).</summary>
    public void Listen(KestrelServerOptions kestrel, string host, int port)
    {
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host);
        kestrel.Listen(address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Items[Marker] = Marker;
                return next(connection);
            });
            _listen = listen;
        });
    }

    /// <summary>True for a request that arrived on the separate listener.</summary>
    public bool IsOn(HttpContext http) =>
        _listen is not null && http.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(Marker) == true;

    /// <summary>True for a scrape where scrapes are served.</summary>
    public bool IsScrape(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method) && http.Request.Path.Equals(Path, StringComparison.Ordinal) && (_listen is null || IsOn(http));

    /// <summary>The scrape URL once started: on the separate listener, or on the first of the broker's addresses.</summary>
    public Uri Url(IReadOnlyList<Uri> addresses) =>
        _listen?.IPEndPoint is { } endpoint
            ? new Uri($"http://{(endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address)}:{endpoint.Port}{Path}")
            : new Uri(addresses[0], Path);

    /// <summary>Anything but a scrape on the separate listener.</summary>
    public static Task NotFound(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
