using System.CommandLine;
using IamDb.Cli.Configuration;
using IamDb.Cli.Output;
using IamDb.Client.Caching;
using IamDb.Client.ConnectionStrings;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Npgsql;

namespace IamDb.Cli.Connection;

/// <summary>
/// What <c>iamdb connect</c> and <c>iamdb url</c> need for a saved environment: the cluster's endpoint (DescribeClusters)
/// and a temporary credential from the client's cache, which persists between runs in the user's cache directory
/// (<c>~/.cache/iamdb/credentials.json</c>, 0600) so that reconnecting within the credential's life makes no API call.
/// </summary>
internal static class EnvironmentLogin
{
    public static readonly Option<SslMode?> SslModeOption = new("--sslmode")
    {
        Description = "TLS to the database: disable, allow, prefer, require, verify-ca, verify-full. Default: require for AWS, prefer for a broker.",
        HelpName = "disable|allow|prefer|require|verify-ca|verify-full",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Enum.TryParse<SslMode>(text.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var mode) && !int.TryParse(text, out _))
            {
                return mode;
            }

            result.AddError($"'{text}' is not an SSL mode; use disable, allow, prefer, require, verify-ca or verify-full.");
            return null;
        },
    };

    /// <summary>The environment named by the command's argument (or <c>--env</c>).</summary>
    public static CliEnvironment Resolve(ParseResult parseResult, string? name)
    {
        name ??= parseResult.GetValue(GlobalOptions.EnvOption)
            ?? throw new CliUsageException("say which environment: iamdb connect NAME (see `iamdb env list`).");
        return CliConfigFile.Find(CliConfigFile.DefaultPath(), name);
    }

    /// <summary>The cluster's endpoint and default database as DescribeClusters reports them.</summary>
    public static async Task<(string Host, int Port, string Database)> EndpointAsync(ServiceConnection connection, CliEnvironment env, CancellationToken ct)
    {
        var cluster = await connection.Redshift.DescribeClusterAsync(env.Cluster, ct);
        var endpoint = cluster.Endpoint ?? throw new CliException($"cluster {env.Cluster} has no endpoint yet (status {cluster.ClusterStatus}).");
        return (endpoint.Address, endpoint.Port, env.DbName ?? cluster.DBName ?? "dev");
    }

    /// <summary>The cluster's endpoint, default database and engine (NodeType <c>postgresql</c> is PostgreSQL) as DescribeClusters reports them.</summary>
    public static async Task<(string Host, int Port, string Database, DatabaseEngine Engine)> TargetAsync(ServiceConnection connection, CliEnvironment env, CancellationToken ct)
    {
        var cluster = await connection.Redshift.DescribeClusterAsync(env.Cluster, ct);
        var endpoint = cluster.Endpoint ?? throw new CliException($"cluster {env.Cluster} has no endpoint yet (status {cluster.ClusterStatus}).");
        return (endpoint.Address, endpoint.Port, env.DbName ?? cluster.DBName ?? "dev", ConnectionStringFormats.EngineOf(cluster.NodeType));
    }

    /// <summary>A credential for the environment, through the persistent cache.</summary>
    public static async Task<ClusterCredentials> CredentialAsync(ServiceConnection connection, CliEnvironment env, CancellationToken ct)
    {
        using var cache = new ClusterCredentialCache(
            connection.Redshift, new ClusterCredentialCacheOptions { PersistentCacheFile = PersistentCredentialFile.DefaultPath(), MaxAttempts = 3 });
        return await cache.GetAsync(
            new ClusterCredentialRequest
            {
                ClusterIdentifier = env.Cluster,
                DbUser = env.DbUser,
                DbName = env.DbName,
                DbGroups = env.DbGroups.Count > 0 ? env.DbGroups : null,
                AutoCreate = env.AutoCreate,
                DurationSeconds = env.DurationSeconds,
            },
            ct);
    }

    /// <summary>The TLS mode: the option, else require on AWS and prefer on a broker (whose local servers may lack TLS).</summary>
    public static SslMode SslMode(ParseResult parseResult, ServiceConnection connection) =>
        parseResult.GetValue(SslModeOption) ?? (connection.Endpoint is null || AwsServices.IsAwsEndpoint(connection.Endpoint) ? Npgsql.SslMode.Require : Npgsql.SslMode.Prefer);

    /// <summary>A full login for a credential.</summary>
    public static DatabaseLogin Login(ClusterCredentials credentials, (string Host, int Port, string Database) endpoint, SslMode sslMode) =>
        DatabaseLogin.For(credentials, endpoint.Host, endpoint.Port, endpoint.Database, sslMode);
}
