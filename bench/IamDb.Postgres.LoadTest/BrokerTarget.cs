using System.Net;
using System.Text;
using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Postgres.Credentials;

namespace IamDb.Postgres.LoadTest;

/// <summary>
/// The whole product path: a broker in this process (SQLite state in a temp directory, 127.0.0.1, throttling out of the
/// way) with the throwaway server registered as cluster <c>bench</c>; each call is a SigV4-signed GetClusterCredentials
/// over loopback HTTP, so it includes authentication, policy evaluation, issuance, the store record and the audit record.
/// </summary>
internal sealed class BrokerSession : IAsyncDisposable
{
    private readonly string _directory;

    private BrokerSession(BrokerHost host, string directory, SigningCredentials root)
    {
        Host = host;
        _directory = directory;
        Root = root;
    }

    public BrokerHost Host { get; }

    public SigningCredentials Root { get; }

    public static async Task<BrokerSession> StartAsync(ClusterEndpoint endpoint)
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-brokerload-").FullName;
        var options = new BrokerOptions
        {
            DataDirectory = directory,
            MasterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ThrottleRatePerSecond = 1_000_000,
            ThrottleBurst = 1_000_000,
            ReaperEnabled = false,
        };

        // Issuance cost only: no metrics and no per-request log line (their cost is measured by the GetCallerIdentity load
        // test's --telemetry).
        options.Logging.Level = Microsoft.Extensions.Logging.LogLevel.Warning;
        options.Metrics.Enabled = false;
        var host = await BrokerHost.StartAsync(options);
        var lines = await File.ReadAllLinesAsync(host.CredentialsFilePath);
        // The file repeats the root key under [iamdb] and [default]; the first is the one.
        string Value(string key) => lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('=', 2)[1].Trim();
        var session = new BrokerSession(host, directory, new SigningCredentials(Value("aws_access_key_id"), Value("aws_secret_access_key")));
        using var http = new HttpClient();
        var (status, body) = await session.CallAsync(http, "RegisterCluster",
        [
            new("ClusterIdentifier", "bench"), new("Host", endpoint.Host), new("Port", endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("DBName", endpoint.Database), new("MasterUsername", endpoint.AdminUser), new("MasterUserPassword", endpoint.AdminPassword),
        ]);
        if (status != HttpStatusCode.OK)
        {
            await session.DisposeAsync();
            throw new InvalidOperationException($"RegisterCluster failed: {(int)status} {body}");
        }

        return session;
    }

    /// <summary>One signed Redshift Query call as root.</summary>
    public async Task<(HttpStatusCode Status, string Body)> CallAsync(HttpClient http, string action, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", "2012-12-01") };
        form.AddRange(parameters);
        var body = Encoding.UTF8.GetBytes(string.Join("&", form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));
        var uri = new Uri(Host.EndpointUrl + "/");
        const string contentType = "application/x-www-form-urlencoded; charset=utf-8";
        var request = SigV4Request.FromUri("POST", uri, [new("Content-Type", contentType)], body);
        var signature = SigV4Signer.SignHeaders(request, Root, "us-east-1", "redshift", DateTimeOffset.UtcNow);
        using var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(message);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>GetClusterCredentials for the base user through <see cref="BrokerSession"/>; one HTTP client per run.</summary>
internal sealed class BrokerTarget(BrokerSession broker, string baseUser) : IIssuanceTarget
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 });

    public string Name => "broker GetClusterCredentials (HTTP)";

    public async Task IssueOneAsync(CancellationToken ct)
    {
        var (status, body) = await broker.CallAsync(_http, "GetClusterCredentials", [new("ClusterIdentifier", "bench"), new("DbUser", baseUser)]);
        if (status != HttpStatusCode.OK)
        {
            // The runner counts ClusterOperationException as an error and carries on.
            throw new ClusterOperationException(ClusterFailure.ServerError, $"broker answered {(int)status}: {body[..Math.Min(300, body.Length)]}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
