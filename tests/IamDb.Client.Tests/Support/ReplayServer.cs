using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IamDb.Client.Tests.Support;

/// <summary>What the replay server answers.</summary>
internal sealed record ReplayAnswer(int Status, string Body, DateTimeOffset? Date = null);

/// <summary>
/// A loopback HTTP server standing in for real AWS (which tests cannot reach) or a failing service: it answers with
/// AWS's documented sample bodies or scripted errors and records each request body.
/// </summary>
internal sealed class ReplayServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, Task<ReplayAnswer>> _answer;
    private readonly Task _loop;
    private int _calls;

    public ReplayServer(Func<string, (int Status, string Body)> answer)
        : this(body => Task.FromResult(new ReplayAnswer(answer(body).Status, answer(body).Body)))
    {
    }

    public ReplayServer(Func<string, Task<ReplayAnswer>> answer)
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

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>AWS's GetClusterCredentials answer.</summary>
    public static string CredentialsXml(string dbUser, string password, DateTimeOffset expiration) => $"""
        <GetClusterCredentialsResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">
          <GetClusterCredentialsResult>
            <DbUser>{dbUser}</DbUser><DbPassword>{password}</DbPassword>
            <Expiration>{expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}</Expiration>
          </GetClusterCredentialsResult>
          <ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata>
        </GetClusterCredentialsResponse>
        """;

    /// <summary>An AWS error answer.</summary>
    public static string ErrorXml(string code, string message) =>
        $"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>";

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            Interlocked.Increment(ref _calls);
            Bodies.Enqueue(body);
            Authorizations.Enqueue(context.Request.Headers["Authorization"]);
            ReplayAnswer answer;
            try
            {
                answer = await _answer(body);
            }
            catch (Exception e) when (e is not (HttpListenerException or ObjectDisposedException or IOException))
            {
                // A failing script answers at once (as a service fault) instead of leaving the client to time out.
                answer = new ReplayAnswer(500, ErrorXml("InternalFailure", e.GetType().Name));
            }

            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "text/xml";
            context.Response.Headers["x-amzn-RequestId"] = "header-request-id";
            if (answer.Date is { } date)
            {
                context.Response.Headers["Date"] = date.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
            }

            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
