using System.Data.Common;
using System.Diagnostics.Metrics;
using IamDb.Client.Caching;
using IamDb.Client.Credentials;
using IamDb.Client.DataSources;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IamDb.Client.DependencyInjection;

/// <summary>Registers IamDb data sources the way <c>AddNpgsqlDataSource</c> registers Npgsql's.</summary>
public static class IamDbServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="ClusterDataSource"/> (also as <see cref="DbDataSource"/>) and its
    /// <see cref="ClusterCredentialCache"/> as singletons, with <see cref="IamDbDataSourceOptions"/> bound from
    /// <paramref name="configuration"/>. Nothing is called at registration or resolution: the cluster is described and the
    /// first credential fetched on the first connection. With <paramref name="serviceKey"/> the services are keyed (several
    /// databases in one container); a <c>MaxConnections</c> in the section registers one shared <see cref="ConnectionBudget"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section with the options (e.g. <c>builder.Configuration.GetSection("IamDb")</c>).</param>
    /// <param name="configure">Changes applied after binding.</param>
    /// <param name="serviceKey">Register keyed services under this key; null for the unkeyed ones.</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddIamDbDataSource(
        this IServiceCollection services, IConfiguration configuration, Action<IamDbDataSourceOptions>? configure = null, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var name = serviceKey is null ? Options.DefaultName : "IamDb:" + serviceKey;
        var optionsBuilder = services.AddOptions<IamDbDataSourceOptions>(name).Bind(configuration);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        if (configuration.GetValue<int?>(nameof(IamDbDataSourceOptions.MaxConnections)) is { } max)
        {
            services.TryAddSingleton(new ConnectionBudget(max));
        }

        services.AddKeyedSingleton(serviceKey, (provider, _) => new Registration(provider, provider.GetRequiredService<IOptionsMonitor<IamDbDataSourceOptions>>().Get(name)));
        services.AddKeyedSingleton(serviceKey, (provider, key) => provider.GetRequiredKeyedService<Registration>(key).Cache);
        services.AddKeyedSingleton(serviceKey, (provider, key) => provider.GetRequiredKeyedService<Registration>(key).CreateDataSource());
        services.AddKeyedSingleton<DbDataSource>(serviceKey, (provider, key) => provider.GetRequiredKeyedService<ClusterDataSource>(key));
        return services;
    }

    /// <summary>The Query client and cache of one registration (disposed with the container).</summary>
    private sealed class Registration : IDisposable
    {
        private readonly IServiceProvider _provider;
        private readonly IamDbDataSourceOptions _options;
        private readonly AwsQueryClient _query;

        public Registration(IServiceProvider provider, IamDbDataSourceOptions options)
        {
            _provider = provider;
            _options = options;
            var problems = new List<string>();
            if (string.IsNullOrWhiteSpace(options.Region))
            {
                problems.Add("Region is required (e.g. us-east-1)");
            }

            if (string.IsNullOrWhiteSpace(options.ClusterIdentifier))
            {
                problems.Add("ClusterIdentifier is required");
            }

            Uri? endpoint = null;
            if (options.EndpointUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            {
                problems.Add($"EndpointUrl must be an http:// or https:// URL, not '{url}'");
            }

            if (problems.Count > 0)
            {
                throw new InvalidOperationException("IamDb data source options: " + string.Join("; ", problems) + ".");
            }

            var keys = options.Profile is { Length: > 0 } profile ? AwsCredentialSource.FromProfile(profile, options.CredentialsFile) : AwsCredentialSource.Default();
            var time = provider.GetService<TimeProvider>();
            _query = new AwsQueryClient(keys, new AwsQueryClientOptions { Time = time, LoggerFactory = provider.GetService<ILoggerFactory>() });
            Cache = new ClusterCredentialCache(new RedshiftClient(_query, options.Region!, endpoint), new ClusterCredentialCacheOptions
            {
                Time = time,
                LoggerFactory = provider.GetService<ILoggerFactory>(),
                MeterFactory = provider.GetService<IMeterFactory>(),
            });
        }

        public ClusterCredentialCache Cache { get; }

        public ClusterDataSource CreateDataSource() => ClusterDataSource.CreateDeferred(Cache, new ClusterDataSourceOptions
        {
            Credentials = new ClusterCredentialRequest
            {
                ClusterIdentifier = _options.ClusterIdentifier!,
                DbUser = _options.DbUser,
                DbName = _options.DbName,
                DbGroups = _options.DbGroups.Count > 0 ? [.. _options.DbGroups] : null,
                AutoCreate = _options.AutoCreate,
                DurationSeconds = _options.DurationSeconds,
                WithIam = _options.WithIam,
            },
            Host = _options.Host,
            Port = _options.Port,
            Database = _options.Database,
            SslMode = _options.SslMode,
            RootCertificate = _options.RootCertificate,
            MaxPoolSize = _options.MaxPoolSize,
            Budget = _provider.GetService<ConnectionBudget>(),
            ConfigureConnection = _options.ConfigureConnection,
        });

        public void Dispose()
        {
            Cache.Dispose();
            _query.Dispose();
        }
    }
}
