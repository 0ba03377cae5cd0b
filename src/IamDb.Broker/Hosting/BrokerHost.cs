using System.Net;
using System.Security.Cryptography.X509Certificates;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Signing;
using IamDb.Broker.Actions;
using IamDb.Broker.Actions.Redshift;
using IamDb.Broker.Audit;
using IamDb.Broker.Authorization;
using IamDb.Broker.Federation;
using IamDb.Broker.Pipeline;
using IamDb.Broker.Reaper;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Notifications;
using IamDb.Broker.State.Sql;
using IamDb.Broker.Telemetry;
using IamDb.Broker.Throttling;
using IamDb.Postgres.Credentials;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Metrics;

namespace IamDb.Broker.Hosting;

/// <summary>
/// The running broker: Kestrel serving the Query-protocol endpoint and <c>/health</c> over the state store. Start it with
/// <see cref="StartAsync(BrokerOptions, Action{ILoggingBuilder}?, CancellationToken)"/>; stop it with
/// <see cref="StopAsync"/> or <c>await using</c> (in-flight requests finish, the audit log is flushed, the store closed).
/// </summary>
public sealed partial class BrokerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStateStore _store;
    private int _stopped;

    private BrokerHost(WebApplication app, IStateStore store, BrokerRuntime runtime, BootstrapResult bootstrap, IReadOnlyList<Uri> addresses, string? caPath, Uri? metricsUrl)
    {
        MetricsUrl = metricsUrl;
        _app = app;
        _store = store;
        Runtime = runtime;
        Bootstrap = bootstrap;
        Addresses = addresses;
        CaCertificatePath = caPath;
    }

    /// <summary>Every address the broker listens on, with the ports actually bound.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Where Prometheus scrapes, e.g. <c>http://127.0.0.1:9464/metrics</c>; null when metrics are off.</summary>
    public Uri? MetricsUrl { get; }

    /// <summary>The first listen address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => Addresses[0];

    /// <summary>The endpoint URL to give <c>aws --endpoint-url</c> (no trailing slash).</summary>
    public string EndpointUrl => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>The data directory in use.</summary>
    public string DataDirectory => Runtime.DataDirectory.Path;

    /// <summary>The account the broker serves.</summary>
    public string AccountId => Runtime.AccountId;

    /// <summary>True when this start created the account's root key and credentials files.</summary>
    public bool CreatedAccount => Bootstrap.Created;

    /// <summary>The AWS shared-credentials file with profile <c>iamdb</c> (mode 0600).</summary>
    public string CredentialsFilePath => Path.Combine(DataDirectory, AccountBootstrap.CredentialsFileName);

    /// <summary>The AWS config file with <c>[profile iamdb]</c> and the region.</summary>
    public string ConfigFilePath => Path.Combine(DataDirectory, AccountBootstrap.ConfigFileName);

    /// <summary>The generated CA certificate clients must trust, when <see cref="BrokerOptions.GenerateTlsCertificate"/> is on.</summary>
    public string? CaCertificatePath { get; }

    /// <summary>Why the local cluster asked for with <see cref="BrokerOptions.LocalCluster"/> does not run; null when it runs or was not asked for.</summary>
    public string? LocalClusterSkippedBecause => _app.Services.GetRequiredService<LocalClusterService>().SkippedBecause;

    /// <summary>True when this broker runs the local cluster (<see cref="BrokerOptions.LocalCluster"/>).</summary>
    public bool LocalClusterRuns => _app.Services.GetRequiredService<LocalClusterService>().Server is not null;

    /// <summary>One line per registered cluster for a ready summary: <c>local  127.0.0.1:5433/postgres (managed by this broker, TLS)</c>.</summary>
    public async Task<IReadOnlyList<string>> DescribeClustersAsync(CancellationToken cancellationToken = default)
    {
        var clusters = await _store.ReadAsync(
            (r, c) => Pages.ReadAllAsync(p => r.Clusters.ListAsync(AccountId, p, c)), cancellationToken);
        var local = _app.Services.GetRequiredService<LocalClusterService>().Server;
        return clusters
            .Select(c => $"{c.ClusterIdentifier}  {c.Host}:{c.Port}/{c.DefaultDatabase}"
                         + (local is not null && c.ClusterIdentifier == LocalClusterService.ClusterIdentifier ? " (managed by this broker, TLS)" : string.Empty))
            .ToList();
    }

    internal BrokerRuntime Runtime { get; }

    internal BootstrapResult Bootstrap { get; }

    internal IServiceProvider Services => _app.Services;

    internal IStateStore Store => _store;

    /// <summary>Validates <paramref name="options"/>, opens the store, bootstraps the account and starts listening.</summary>
    /// <exception cref="BrokerOptionsException">the options are invalid (every problem is listed).</exception>
    /// <exception cref="MasterKeyException">the store was created under another master key.</exception>
    public static Task<BrokerHost> StartAsync(BrokerOptions options, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, new BrokerHostHooks { ConfigureLogging = configureLogging }, cancellationToken);

    internal static async Task<BrokerHost> StartAsync(BrokerOptions options, BrokerHostHooks hooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = hooks.Time ?? TimeProvider.System;
        var ids = IdentifierGenerator.Shared;
        var data = State.DataDirectory.Prepare(options.DataDirectory);
        var masterKey = options.MasterKey is { } configured ? MasterKey.Parse(configured, "configuration") : MasterKey.Load(data.Path);
        var protector = new SecretProtector(masterKey);
        IStateStore store = await StateStoreFactory.OpenAsync(BrokerStoreLocation.From(options, data.Path), protector, time, cancellationToken);
        // Coordination (account, leases, migrations, change notifications) goes to the store itself, never through a decorator.
        var coordination = (IStoreCoordination)store;
        store = hooks.DecorateStore?.Invoke(store) ?? store;
        WebApplication? started = null;
        try
        {
            var bootstrap = await AccountBootstrap.EnsureAccountAsync(coordination, data, options.AccountId, options.Region, ids, time, cancellationToken);
            var accountId = bootstrap.AccountId;
            var runtime = new BrokerRuntime(options, options.Metrics.Enabled ? new MeteredStateStore(store) : store, time, ids, accountId, data)
            {
                Protector = protector,
                Coordination = coordination,
            };
            string? caPath = null;
            X509Certificate2? certificate = null;
            if (options.GenerateTlsCertificate)
            {
                certificate = TlsCertificates.LoadOrCreateSelfSigned(data.Path, time, out caPath);
                // The generated profile trusts the generated CA: aws and iamdb need nothing but the two exported files.
                AccountBootstrap.WriteCaBundle(Path.Combine(data.Path, AccountBootstrap.ConfigFileName), caPath);
            }
            else if (options.TlsCertificatePath is { } certPath)
            {
                certificate = TlsCertificates.Load(certPath, options.TlsKeyPath);
            }

            var metricsListener = new MetricsListener();
            var app = Build(runtime, hooks, certificate, metricsListener);
            started = app;
            await app.StartAsync(cancellationToken);
            if (options.Urls.Where(BrokerOptionsValidator.IsPlainHttpOffLoopback).ToList() is { Count: > 0 } plain)
            {
                LogPlainHttp(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<BrokerHost>(), string.Join(", ", plain));
            }
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
                .Select(a => new Uri(a.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)))
                .ToList();
            addresses.RemoveAll(a => metricsListener.Port is { } port && a.Port == port);
            var metricsUrl = options.Metrics.Enabled ? metricsListener.Url(addresses) : null;
            BrokerLifecycleLog.Started(app.Services.GetRequiredService<ILoggerFactory>(), addresses, options.Store.ToString(), data.Path, metricsUrl);
            return new BrokerHost(app, store, runtime, bootstrap, addresses, caPath, metricsUrl);
        }
        catch
        {
            // A start that failed or was cancelled (SIGTERM during start) stops what did start, the local cluster included.
            if (started is not null)
            {
                await StopPartialStartAsync(started);
            }

            await store.DisposeAsync();
            throw;
        }
    }

    private static async Task StopPartialStartAsync(WebApplication app)
    {
        try
        {
            using var timeout = new CancellationTokenSource(app.Services.GetRequiredService<BrokerRuntime>().Options.ShutdownTimeout);
            await app.StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // Best effort: the start's own failure is what the caller reports.
        }

        await app.DisposeAsync();
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (Ctrl-C), then stops gracefully.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await StopAsync(CancellationToken.None);
    }

    /// <summary>Stops listening, lets in-flight requests finish, flushes the audit log and closes the store.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        var lifecycle = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(BrokerLifecycleLog.Category);
        BrokerLifecycleLog.Stopping(lifecycle, Runtime.Options.ShutdownTimeout.TotalSeconds);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Runtime.Options.ShutdownTimeout);
        await _app.StopAsync(timeout.Token);
        await _app.Services.GetRequiredService<AuditLog>().DisposeAsync();
        BrokerLifecycleLog.Stopped(lifecycle);
        await _app.DisposeAsync();
        await _store.DisposeAsync();
    }

    /// <inheritdoc cref="StopAsync"/>
    public async ValueTask DisposeAsync() => await StopAsync();

    private static WebApplication Build(BrokerRuntime runtime, BrokerHostHooks hooks, X509Certificate2? certificate, MetricsListener metricsListener)
    {
        var options = runtime.Options;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = runtime.DataDirectory.Path });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the pipeline enforces the limit and answers with AWS XML
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            foreach (var url in options.Urls)
            {
                var uri = new Uri(url);
                var https = uri.Scheme == Uri.UriSchemeHttps;
                Action<ListenOptions> configure = listen =>
                {
                    listen.Protocols = https ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1; // HTTP/2 needs TLS (ALPN)
                    if (https)
                    {
                        listen.UseHttps(certificate!);
                    }
                };
                if (uri.Host is "localhost")
                {
                    kestrel.ListenLocalhost(uri.Port, configure);
                }
                else
                {
                    var address = uri.Host is "*" or "+" ? IPAddress.Any : IPAddress.Parse(uri.Host.Trim('[', ']'));
                    kestrel.Listen(address, uri.Port, configure);
                }
            }

            if (options.Metrics is { Enabled: true, ListenEndpoint: { } metrics })
            {
                metricsListener.Listen(kestrel, metrics.Host, metrics.Port);
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.AddSingleton<IHostLifetime, ExternalLifetime>();
        builder.Logging.SetMinimumLevel(options.Logging.Level);
        hooks.ConfigureLogging?.Invoke(builder.Logging);
        RegisterServices(builder.Services, runtime, hooks);
        RegisterMetrics(builder.Services, runtime);
        hooks.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();
        var pipeline = app.Services.GetRequiredService<QueryPipeline>();
        var router = app.Services.GetRequiredService<ActionRouter>();
        var telemetry = new RequestTelemetryMiddleware(
            app.Services.GetRequiredService<ILoggerFactory>(), options.Metrics.Enabled, (service, action) => router.Find(service, action) is not null);
        if (options.Metrics.Enabled)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(null, metricsListener.IsScrape, null, null, null);
        }

        app.Run(http =>
            metricsListener.IsOn(http) ? MetricsListener.NotFound(http)
            : HealthEndpoint.Serves(http.Request.Path) && HttpMethods.IsGet(http.Request.Method)
                ? HealthEndpoint.InvokeAsync(http, runtime)
            : telemetry.IsActive ? telemetry.InvokeAsync(http, pipeline.InvokeAsync)
            : pipeline.InvokeAsync(http));
        return app;
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning,
        Message = "Serving plain HTTP on {Urls}, which is not loopback (--allow-plain-http): signed requests and the secrets in their answers cross the network unencrypted unless a TLS proxy fronts this port")]
    private static partial void LogPlainHttp(ILogger logger, string urls);

    private static void RegisterServices(IServiceCollection services, BrokerRuntime runtime, BrokerHostHooks hooks)
    {
        var options = runtime.Options;
        services.AddSingleton(runtime);
        services.AddSingleton(runtime.Store);
        services.AddSingleton(runtime.Time);
        services.AddSingleton(runtime.Ids);
        services.AddSingleton(runtime.Coordination);
        var keyCache = new StoreSigningSecretSource(runtime.Store, runtime.Time, options.CredentialCacheTtl);
        services.AddSingleton(keyCache);
        services.AddSingleton<IAccessKeyCache>(keyCache);
        AddChangeFeed(services, runtime, keyCache);
        services.AddSingleton(sp => new SigV4Verifier(
            sp.GetRequiredService<StoreSigningSecretSource>(),
            runtime.Time,
            new SigV4VerifierOptions { AllowedServices = ["iam", "sts", "redshift"] }));
        services.AddSingleton(new TokenBucketThrottle(options.ThrottleRatePerSecond, options.ThrottleBurst, runtime.Time));
        services.AddSingleton(new FailedAuthenticationThrottle(options.FailedAuthenticationRatePerSecond, options.FailedAuthenticationBurst, runtime.Time));
        services.AddSingleton(new TokenBearerThrottle(options.ThrottleRatePerSecond, options.ThrottleBurst, runtime.Time));
        services.AddSingleton(_ => new OidcKeySource(runtime.Time, OidcKeySourceSettings.Default));
        services.AddSingleton<CompiledPolicyCache>();
        services.AddSingleton<PrincipalPolicyLoader>();
        services.AddSingleton<PolicyAuthorizer>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton(sp => new ActionRouter(sp.GetServices<IActionHandler>()));
        services.AddSingleton(new PipelineSettings(options.MaxRequestBodyBytes, options.Region, runtime.AccountId));
        services.AddSingleton<QueryPipeline>();

        // The settings records the lower layers read instead of the options.
        services.AddSingleton(new CredentialSettings(options.MaxCredentialDurationSeconds));
        services.AddSingleton(new Actions.Sts.SamlSettings(options.SamlAudience));
        services.AddSingleton(new ReaperSettings(options.ReaperEnabled, options.ReaperInterval, options.MaxSessionAge, runtime.AccountId));
        ActionHandlerRegistration.AddActionHandlers(services);
        RegisterClusterServices(services, hooks);
    }

    /// <summary>Cross-node invalidation: the caches hear of changes made on other nodes of a shared (PostgreSQL) store.</summary>
    private static void AddChangeFeed(IServiceCollection services, BrokerRuntime runtime, StoreSigningSecretSource keyCache)
    {
        var shared = runtime.Coordination as PostgresStateStore;
        var feed = new StateChangeFeed(shared is not null);
        feed.Subscribe(new SigningSecretInvalidation(keyCache));
        services.AddSingleton(feed);
        if (shared is not null)
        {
            services.AddHostedService(sp => new PostgresChangeListener(
                shared, feed, runtime.Time, sp.GetRequiredService<ILogger<PostgresChangeListener>>()));
        }
    }

    /// <summary>OpenTelemetry metrics with the Prometheus exporter, and the live-credentials gauge's store reader.</summary>
    private static void RegisterMetrics(IServiceCollection services, BrokerRuntime runtime)
    {
        if (!runtime.Options.Metrics.Enabled)
        {
            return;
        }

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BrokerMetrics.MeterName)
            .AddPrometheusExporter(prometheus =>
            {
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0; // a scrape sees every request answered before it
                prometheus.ScopeInfoEnabled = false;
                prometheus.TargetInfoEnabled = false;
            }));
        services.AddSingleton(sp => new LiveCredentialsMonitor(
            runtime.Store, runtime.AccountId, runtime.Time, runtime.Options.Metrics.LiveCredentialsInterval, sp.GetRequiredService<ILogger<LiveCredentialsMonitor>>()));
        services.AddHostedService(sp => sp.GetRequiredService<LiveCredentialsMonitor>());
    }

    /// <summary>The cluster administration, credential issuance and revocation, the local cluster and the reaper.</summary>
    private static void RegisterClusterServices(IServiceCollection services, BrokerHostHooks hooks)
    {
        // One admin pool per cluster, disposed with the container.
        services.AddSingleton(hooks.ClusterAdministration
            ?? (sp => new PostgresClusterAdministration(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>())
            {
                // disable-passwords must never lock the broker out of its own store.
                ProtectedRoleNames = StoreLoginRole(sp.GetRequiredService<BrokerRuntime>().Options) is { } storeRole ? [storeRole] : [],
            }));

        services.AddSingleton<LocalClusterService>();
        services.AddSingleton<CredentialReaper>();
        services.AddSingleton<ClusterReachability>();

        // Hosted services start in this order and stop in reverse: the local server outlives the reaper.
        services.AddHostedService(sp => sp.GetRequiredService<LocalClusterService>());
        services.AddHostedService(sp => sp.GetRequiredService<CredentialReaper>());
    }

    /// <summary>The role the PostgreSQL state store logs in as (libpq's defaults when the connection string names none); null for SQLite.</summary>
    internal static string? StoreLoginRole(BrokerOptions options)
    {
        if (options.Store != StoreKind.Postgres || string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            return null;
        }

        var user = new NpgsqlConnectionStringBuilder(options.PostgresConnectionString).Username;
        return string.IsNullOrEmpty(user) ? Environment.GetEnvironmentVariable("PGUSER") ?? Environment.UserName : user;
    }

    /// <summary>The broker is stopped by its owner (the CLI's Ctrl-C token, a test's dispose), not by process signals.</summary>
    private sealed class ExternalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Test and embedding hooks: a clock to travel in time, extra services, log capture.</summary>
internal sealed record BrokerHostHooks
{
    public TimeProvider? Time { get; init; }

    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Wraps the opened state store (tests that count the store reads a request makes).</summary>
    public Func<IStateStore, IStateStore>? DecorateStore { get; init; }

    /// <summary>Replaces the cluster administration (tests that simulate a failing network).</summary>
    public Func<IServiceProvider, IClusterAdministration>? ClusterAdministration { get; init; }
}
