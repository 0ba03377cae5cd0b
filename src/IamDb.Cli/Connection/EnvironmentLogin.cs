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
/// and the TLS mode; the credential comes from <see cref="CachedCredential"/>, whose cache persists between runs in the
/// user's cache directory (<c>~/.cache/iamdb/credentials.json</c>, 0600) so that reconnecting within the credential's life
/// makes no API call.
/// </summary>
internal static class EnvironmentLogin
{
    public static readonly Option<SslMode?> SslModeOption = new("--sslmode")
    {
        Description = "TLS to the database: disable, allow, prefer, require, verify-ca, verify-full. Default: verify-full when a CA certificate is known (--ssl-root-cert, or the broker's DescribeClusterCertificate), else require.",
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

    /// <summary>The cluster's endpoint, default database and engine (NodeType <c>postgresql</c> is PostgreSQL) as DescribeClusters reports them.</summary>
    public static async Task<(string Host, int Port, string Database, DatabaseEngine Engine)> TargetAsync(ServiceConnection connection, CliEnvironment env, CancellationToken ct)
    {
        var cluster = await connection.Redshift.DescribeClusterAsync(env.Cluster, ct);
        var endpoint = cluster.Endpoint ?? throw new CliException($"cluster {env.Cluster} has no endpoint yet (status {cluster.ClusterStatus}).");
        return (endpoint.Address, endpoint.Port, env.DbName ?? cluster.DBName ?? "dev", ConnectionStringFormats.EngineOf(cluster.NodeType));
    }

    /// <summary>
    /// The TLS mode and CA file: <c>--ssl-root-cert</c> as is (with <c>verify-full</c> unless <c>--sslmode</c> says
    /// otherwise); on a broker, for <c>verify-ca</c>/<c>verify-full</c> or no <c>--sslmode</c>, the cluster's CA from
    /// <c>DescribeClusterCertificate</c> (cached), and then <c>verify-full</c> by default; otherwise <c>require</c>.
    /// </summary>
    public static async Task<ClusterTls> TlsAsync(ParseResult parseResult, ServiceConnection connection, CliEnvironment env, CliContext context, CancellationToken ct)
    {
        var asked = parseResult.GetValue(SslModeOption);
        if (parseResult.GetValue(ClusterCertificates.SslRootCertOption) is { } given)
        {
            var file = Path.GetFullPath(given);
            return File.Exists(file)
                ? new ClusterTls(asked ?? Npgsql.SslMode.VerifyFull, file)
                : throw new CliUsageException($"--ssl-root-cert {given}: no such file.");
        }

        var verify = asked is Npgsql.SslMode.VerifyCA or Npgsql.SslMode.VerifyFull;
        if (asked is { } mode && !verify)
        {
            return new ClusterTls(mode, null);
        }

        var ca = await ClusterCertificates.FetchAsync(connection, env.Cluster, ct);
        if (ca is null && verify && connection.Endpoint is { } endpoint && !AwsServices.IsAwsEndpoint(endpoint))
        {
            context.Error.WriteLine(
                $"iamdb: the broker has no CA certificate for cluster {env.Cluster} (DescribeClusterCertificate), so the client "
                + "looks for its default (~/.postgresql/root.crt); give one with --ssl-root-cert FILE, or use --sslmode require.");
            context.Error.Flush();
        }

        return new ClusterTls(asked ?? (ca is null ? Npgsql.SslMode.Require : Npgsql.SslMode.VerifyFull), ca);
    }

    /// <summary>A full login for a credential.</summary>
    public static DatabaseLogin Login(ClusterCredentials credentials, (string Host, int Port, string Database) endpoint, ClusterTls tls) =>
        DatabaseLogin.For(credentials, endpoint.Host, endpoint.Port, endpoint.Database, tls.Mode, tls.RootCertificate);
}

/// <summary>How a client connects to a cluster: the TLS mode and the CA certificate file that verifies it (if any).</summary>
internal sealed record ClusterTls(SslMode Mode, string? RootCertificate);
