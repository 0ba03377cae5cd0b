using IamDb.Broker.Telemetry;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Hosting;

/// <summary>Which state store the broker keeps its entities, keys and audit trail in.</summary>
public enum StoreKind
{
    /// <summary>SQLite in the data directory (the embedded default).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database shared by several broker nodes.</summary>
    Postgres,
}

/// <summary>
/// Everything the broker needs to start. Defaults are the embedded <c>iamdb up</c> configuration; call
/// <see cref="Validate"/> (the host does) to get every problem at once.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>The account id used when none is configured and none was stored at an earlier start.</summary>
    public const string GeneratedAccountIdFileName = "account-id";

    /// <summary>URLs to listen on. Port 0 picks a free port.</summary>
    /// <value>The default value is <c>http://127.0.0.1:0</c>.</value>
    public IList<string> Urls { get; } = ["http://127.0.0.1:0"];

    /// <summary>The data directory (SQLite state, master key file, credentials files, TLS files).</summary>
    /// <value>The default value is <c>$XDG_DATA_HOME/iamdb</c>, usually <c>~/.local/share/iamdb</c>.</value>
    public string DataDirectory { get; set; } = State.DataDirectory.DefaultPath();

    /// <summary>The 12-digit account id; null generates one at first start and stores it in the data directory.</summary>
    /// <value>The default value is null.</value>
    public string? AccountId { get; set; }

    /// <summary>The region written to the generated AWS config file and reported where a region is needed.</summary>
    /// <value>The default value is <c>us-east-1</c>.</value>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The state store.</summary>
    /// <value>The default value is <see cref="StoreKind.Sqlite"/>.</value>
    public StoreKind Store { get; set; } = StoreKind.Sqlite;

    /// <summary>The PostgreSQL connection string when <see cref="Store"/> is <see cref="StoreKind.Postgres"/>.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// The master key (base64 of 32 bytes). Null reads <c>IAMDB_MASTER_KEY</c>, then the key file in the data directory
    /// (generated with mode 0600 on first start).
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>Largest accepted request body in bytes.</summary>
    /// <value>The default value is 1 MiB.</value>
    public int MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Sustained requests per second allowed per account and action.</summary>
    /// <value>The default value is 5,000.</value>
    public double ThrottleRatePerSecond { get; set; } = 5000;

    /// <summary>Burst size (bucket capacity) per account and action.</summary>
    /// <value>The default value is 10,000.</value>
    public int ThrottleBurst { get; set; } = 10_000;

    /// <summary>
    /// Failed authentications a client address may make in a burst before every request from it is answered
    /// <c>Throttling</c> without reading its body or looking up its key (IPv6: per /64).
    /// </summary>
    /// <value>The default value is 20.</value>
    public int FailedAuthenticationBurst { get; set; } = 20;

    /// <summary>How fast a client address's budget of failed authentications refills, per second.</summary>
    /// <value>The default value is 5.</value>
    public double FailedAuthenticationRatePerSecond { get; set; } = 5;

    /// <summary>
    /// Serve plain HTTP on addresses other than loopback. Off, such a URL is refused at start: signed requests and their
    /// answers (temporary passwords, secret keys) would cross the network unencrypted.
    /// </summary>
    /// <value>The default value is false.</value>
    public bool AllowPlainHttp { get; set; }

    /// <summary>How long a found access key stays cached for signature verification; zero disables the cache.</summary>
    /// <value>The default value is 2 seconds (a deactivated key stops working within that time on other nodes).</value>
    public TimeSpan CredentialCacheTtl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>PEM or PFX certificate file for HTTPS URLs; null with <see cref="GenerateTlsCertificate"/> false means plain HTTP only.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>PEM private key file for a PEM <see cref="TlsCertificatePath"/> (or the PFX password, for a PFX).</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>Serve HTTPS with a generated self-signed certificate; its CA is written to <c>DATA/tls/ca.pem</c>.</summary>
    /// <value>The default value is false.</value>
    public bool GenerateTlsCertificate { get; set; }

    /// <summary>How long graceful shutdown waits for in-flight requests.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest <c>DurationSeconds</c> GetClusterCredentials(WithIAM) accepts; requests above it are
    /// <c>InvalidParameterValue</c>. AWS's maximum is 3,600 seconds.
    /// </summary>
    /// <value>The default value is 3,600 (one hour).</value>
    public int MaxCredentialDurationSeconds { get; set; } = 3600;

    /// <summary>Run the reaper that drops expired login roles on every registered cluster.</summary>
    /// <value>The default value is true.</value>
    public bool ReaperEnabled { get; set; } = true;

    /// <summary>How often the reaper visits every cluster.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan ReaperInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When set, sessions of an expired credential that have lasted this long are terminated so that its login role can be
    /// dropped; when null, sessions run until they end on their own and the role is dropped afterwards.
    /// </summary>
    /// <value>The default value is null (sessions are never cut short).</value>
    public TimeSpan? MaxSessionAge { get; set; }

    /// <summary>
    /// Start a managed local PostgreSQL in <c>DATA/postgres</c> and register it as cluster <c>local</c> when no other
    /// cluster is registered and PostgreSQL's server binaries are installed (<c>iamdb up</c> turns this on).
    /// </summary>
    /// <value>The default value is false.</value>
    public bool LocalCluster { get; set; }

    /// <summary>
    /// An audience (and recipient) AssumeRoleWithSAML accepts besides AWS's <c>https://signin.aws.amazon.com/saml</c>,
    /// for identity-provider apps set up for this broker; AWS's stays accepted so apps made for AWS keep working.
    /// </summary>
    /// <value>The default value is null (AWS's audience alone).</value>
    public string? SamlAudience { get; set; }

    /// <summary>The Prometheus endpoint (<c>/metrics</c>) and what it counts.</summary>
    public BrokerMetricsOptions Metrics { get; } = new();

    /// <summary>The format and level of the log (where the host has a console provider: <c>iamdb up</c>, <c>iamdb server</c>).</summary>
    public BrokerLoggingOptions Logging { get; } = new();

    /// <summary>Throws <see cref="BrokerOptionsException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = BrokerOptionsValidator.Validate(this).Concat(Metrics.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new BrokerOptionsException(errors);
        }
    }
}

/// <summary>Metrics: OpenTelemetry instruments exported in Prometheus text format at <c>GET /metrics</c>.</summary>
public sealed class BrokerMetricsOptions
{
    /// <summary>Serve <c>/metrics</c> and record the broker's instruments.</summary>
    /// <value>The default value is true.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A separate listener for <c>/metrics</c> as <c>HOST:PORT</c> (an IP address or <c>localhost</c>; port 0 picks one),
    /// e.g. <c>127.0.0.1:9464</c>; the broker's own URLs then no longer serve it. Null serves it on the broker's URLs.
    /// </summary>
    /// <value>The default value is null.</value>
    public string? Listen { get; set; }

    /// <summary>How often the live-credentials gauge is recounted from the store.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan LiveCredentialsInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The separate listener's address and port, or null when <see cref="Listen"/> is not set or not valid.</summary>
    internal (string Host, int Port)? ListenEndpoint =>
        Listen is { } text && text.LastIndexOf(':') is var colon and > 0
        && int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
        && port is >= 0 and <= 65535
        && text[..colon].Trim('[', ']') is var host
        && (host == "localhost" || System.Net.IPAddress.TryParse(host, out _))
            ? (host, port)
            : null;

    internal IEnumerable<string> Validate()
    {
        if (Listen is not null && ListenEndpoint is null)
        {
            yield return $"metrics.listen `{Listen}`: must be HOST:PORT with an IP address or localhost, e.g. 127.0.0.1:9464";
        }

        if (LiveCredentialsInterval <= TimeSpan.Zero)
        {
            yield return "metrics.live_credentials_interval_seconds: must be positive";
        }
    }
}

/// <summary>The broker's log: format and level.</summary>
public sealed class BrokerLoggingOptions
{
    /// <summary>Text lines with UTC timestamps, or one JSON object per line.</summary>
    /// <value>The default value is <see cref="LogFormat.Text"/>.</value>
    public LogFormat Format { get; set; } = LogFormat.Text;

    /// <summary>The least severe level written; Information includes one line per request and the start-up and shutdown lines.</summary>
    /// <value>The default value is <see cref="LogLevel.Information"/>.</value>
    public LogLevel Level { get; set; } = LogLevel.Information;
}

/// <summary>Invalid broker options, with every problem found.</summary>
public sealed class BrokerOptionsException : Exception
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public BrokerOptionsException(IReadOnlyList<string> errors)
        : base("invalid broker configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e))) =>
        Errors = errors;

    /// <summary>Creates an exception with one problem.</summary>
    public BrokerOptionsException()
        : this(["unknown problem"])
    {
    }

    /// <summary>Creates an exception with one problem.</summary>
    public BrokerOptionsException(string message)
        : this([message])
    {
    }

    /// <summary>Creates an exception with one problem and its cause.</summary>
    public BrokerOptionsException(string message, Exception innerException)
        : base(message, innerException) =>
        Errors = [message];

    /// <summary>Every problem, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }
}
