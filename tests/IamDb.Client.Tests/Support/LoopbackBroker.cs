using System.Collections.Concurrent;
using IamDb.Broker.Hosting;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using Microsoft.Extensions.Logging;

namespace IamDb.Client.Tests.Support;

/// <summary>
/// A real IamDb broker on a free loopback port (SQLite in a temp directory), reached through the library itself: the root
/// key comes from the broker's generated credentials file via <see cref="AwsCredentialSource.FromProfile"/>.
/// </summary>
internal sealed class LoopbackBroker : IAsyncDisposable
{
    private readonly BrokerOptions _options;

    private LoopbackBroker(BrokerHost host, BrokerOptions options, CapturedLogs logs)
    {
        Host = host;
        _options = options;
        Logs = logs;
        RootCredentials = AwsCredentialSource.FromProfile("iamdb", host.CredentialsFilePath);
        Query = new AwsQueryClient(RootCredentials);
    }

    public BrokerHost Host { get; }

    public CapturedLogs Logs { get; }

    public Uri Endpoint => new(Host.EndpointUrl);

    public string AccountId => Host.AccountId;

    public AwsCredentialSource RootCredentials { get; }

    public AwsQueryClient Query { get; }

    public static async Task<LoopbackBroker> StartAsync(Action<BrokerOptions>? configure = null)
    {
        var options = new BrokerOptions
        {
            DataDirectory = Directory.CreateTempSubdirectory("iamdb-client-broker-").FullName,
            MasterKey = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)(i + 11)).ToArray()),
        };
        configure?.Invoke(options);
        var logs = new CapturedLogs();
        var host = await BrokerHost.StartAsync(options, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddProvider(logs);
        });
        return new LoopbackBroker(host, options, logs);
    }

    public AwsQueryRequest Request(string service, string action) =>
        new(Endpoint, "us-east-1", service, action, AwsServices.VersionOf(service));

    /// <summary>The broker's audit records of <paramref name="action"/> (e.g. <c>sts:AssumeRoleWithWebIdentity</c>), newest first, read as <c>iamdb audit</c> reads them.</summary>
    public async Task<IReadOnlyList<IamDb.Broker.Audit.AuditEvent>> AuditAsync(string action)
    {
        Assert.True(IamDb.Broker.Audit.AuditTrail.TryParseAction(action, out _, out _, out var problem), problem);
        await using var trail = await AuditTrailOpener.OpenAsync(_options);
        return await trail.ReadAsync(new IamDb.Broker.Audit.AuditFilter { Action = action }, 100);
    }

    /// <summary>Creates an IAM user with an access key (and optional inline policy) through the IAM API.</summary>
    public async Task<AwsCredentialSource> CreateUserWithKeyAsync(string userName, string? inlinePolicy = null)
    {
        await Query.CallAsync(Request("iam", "CreateUser").Add("UserName", userName));
        if (inlinePolicy is not null)
        {
            await Query.CallAsync(Request("iam", "PutUserPolicy").Add("UserName", userName).Add("PolicyName", "inline").Add("PolicyDocument", inlinePolicy));
        }

        var key = await Query.CallAsync(Request("iam", "CreateAccessKey").Add("UserName", userName));
        return AwsCredentialSource.Explicit(key.Result.Text("AccessKey", "AccessKeyId")!, key.Result.Text("AccessKey", "SecretAccessKey")!);
    }

    public async ValueTask DisposeAsync()
    {
        Query.Dispose();
        var directory = Host.DataDirectory;
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Collects every formatted log line (to assert that no secret is ever logged).</summary>
internal sealed class CapturedLogs : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string All => string.Join("\n", _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

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
