using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IamDb.Client.Tests.Support;

/// <summary>
/// A loopback HTTP server that answers with canned bodies, standing in for real AWS (which tests cannot reach): it
/// replays AWS's documented sample responses and records each request body.
/// </summary>
internal sealed class ReplayServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, (int Status, string Body)> _answer;
    private readonly Task _loop;

    public ReplayServer(Func<string, (int Status, string Body)> answer)
    {
        _answer = answer;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<string> Bodies { get; } = new();

    public ConcurrentQueue<string?> Authorizations { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            Bodies.Enqueue(body);
            Authorizations.Enqueue(context.Request.Headers["Authorization"]);
            var (status, reply) = _answer(body);
            var bytes = Encoding.UTF8.GetBytes(reply);
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/xml";
            context.Response.Headers["x-amzn-RequestId"] = "header-request-id";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
