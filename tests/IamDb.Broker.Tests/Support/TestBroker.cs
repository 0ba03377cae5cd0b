using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Xml.Linq;
using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Tests.Support;

/// <summary>
/// A real broker on a free loopback port over SQLite in a temporary data directory, with the root credentials from
/// its generated credentials file, a signing HTTP client, and every log line captured (to assert that no secret leaks).
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });

    private readonly bool _ownsDirectory;

    private TestBroker(BrokerHost host, BrokerOptions options, CapturedLogs logs, TimeProvider? time, bool ownsDirectory)
    {
        _ownsDirectory = ownsDirectory;
        Host = host;
        Options = options;
        Logs = logs;
        Time = time ?? TimeProvider.System;
        Root = ReadProfile(host.CredentialsFilePath);
    }

    public BrokerHost Host { get; }

    public BrokerOptions Options { get; }

    public CapturedLogs Logs { get; }

    public TimeProvider Time { get; }

    public SigningCredentials Root { get; }

    public string Endpoint => Host.EndpointUrl;

    public IStateStore Store => Host.Store;

    public string AccountId => Host.AccountId;

    public static async Task<TestBroker> StartAsync(
        Action<BrokerOptions>? configure = null, TimeProvider? time = null, string? dataDirectory = null, Action<IServiceCollection>? services = null,
        Func<IStateStore, IStateStore>? decorateStore = null)
    {
        var created = dataDirectory is null ? Directory.CreateTempSubdirectory("iamdb-broker-").FullName : null;
        var options = new BrokerOptions
        {
            DataDirectory = dataDirectory ?? created!,
            MasterKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 7)).ToArray()),
            CredentialCacheTtl = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        var ownsDirectory = created is not null && options.DataDirectory == created;
        if (created is not null && !ownsDirectory)
        {
            Directory.Delete(created); // configure chose another directory; that one belongs to the test.
        }

        var logs = new CapturedLogs();
        var host = await BrokerHost.StartAsync(
            options,
            new BrokerHostHooks
            {
                Time = time,
                ConfigureServices = services,
                DecorateStore = decorateStore,
                ConfigureLogging = logging =>
                {
                    logging.SetMinimumLevel(LogLevel.Debug);
                    logging.AddProvider(logs);
                },
            },
            CancellationToken.None);
        return new TestBroker(host, options, logs, time, ownsDirectory);
    }

    /// <summary>Sends a signed POST form request (botocore's shape) and parses the XML answer.</summary>
    public Task<QueryReply> CallAsync(
        string service, string action, IEnumerable<KeyValuePair<string, string>>? parameters = null, SigningCredentials? credentials = null,
        DateTimeOffset? signingTime = null, string? version = null)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("Action", action),
            new("Version", version ?? (service == "sts" ? "2011-06-15" : service == "redshift" ? "2012-12-01" : "2010-05-08")),
        };
        form.AddRange(parameters ?? []);
        var body = Encoding.UTF8.GetBytes(string.Join("&", form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));
        return SendSignedAsync(body, service, credentials ?? Root, signingTime);
    }

    public async Task<QueryReply> SendSignedAsync(byte[] body, string service, SigningCredentials credentials, DateTimeOffset? signingTime = null)
    {
        var uri = new Uri(Endpoint + "/");
        var headers = new List<KeyValuePair<string, string>> { new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8") };
        var request = SigV4Request.FromUri("POST", uri, headers, body);
        var signature = SigV4Signer.SignHeaders(request, credentials, "us-east-1", service, signingTime ?? Time.GetUtcNow());
        using var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(message);
    }

    public async Task<QueryReply> SendAsync(HttpRequestMessage message)
    {
        using var response = await _http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        return new QueryReply(response.StatusCode, text, response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.First() : null,
            response.Content.Headers.ContentType?.MediaType);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(Endpoint + path);

    /// <summary>Every audit record, newest first.</summary>
    public Task<IReadOnlyList<AuditRecord>> AuditAsync() =>
        Store.ReadAsync<IReadOnlyList<AuditRecord>>(async (r, ct) => (await r.Audit.QueryAsync(new AuditQuery(), new PageRequest(null, 1000), ct)).Items);

    public IamDb.Testing.AwsCli Cli(SigningCredentials? credentials = null)
    {
        var c = credentials ?? Root;
        return new IamDb.Testing.AwsCli(Endpoint, c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Host.DisposeAsync();
        // A directory this class made is removed (one given by a test, e.g. for a restart, belongs to the test).
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(Options.DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS's temp cleaning; never a reason to fail a test.
            }
        }
    }


    internal static SigningCredentials ReadProfile(string credentialsFile)
    {
        var lines = File.ReadAllLines(credentialsFile);
        string Value(string key) => lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('=', 2)[1].Trim();
        return new SigningCredentials(Value("aws_access_key_id"), Value("aws_secret_access_key"));
    }
}

/// <summary>An HTTP answer of the Query protocol.</summary>
internal sealed record QueryReply(HttpStatusCode Status, string Body, string? RequestId, string? ContentType)
{
    private static readonly XNamespace Any = XNamespace.None;

    public XElement Xml => XElement.Parse(Body);

    /// <summary>The error code of an ErrorResponse, or null.</summary>
    public string? ErrorCode => Body.StartsWith("<ErrorResponse", StringComparison.Ordinal) ? Find("Code") : null;

    public string? ErrorMessage => ErrorCode is null ? null : Find("Message");

    /// <summary>The text of the first element with this local name.</summary>
    public string? Find(string localName) => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    public IEnumerable<XElement> All(string localName) => Xml.Descendants().Where(e => e.Name.LocalName == localName);

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>Collects every formatted log message and exception text.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string All => string.Join("\n", _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
