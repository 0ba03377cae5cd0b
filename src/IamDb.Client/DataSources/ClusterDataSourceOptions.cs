using IamDb.Client.Caching;
using Npgsql;

namespace IamDb.Client.DataSources;

/// <summary>What <see cref="ClusterDataSource"/> connects to and how.</summary>
public sealed class ClusterDataSourceOptions
{
    /// <summary>The credential to log in with (cluster, database user, database, groups…).</summary>
    public required ClusterCredentialRequest Credentials { get; init; }

    /// <summary>The host; null to ask <c>DescribeClusters</c>.</summary>
    public string? Host { get; init; }

    /// <summary>The port; null to ask <c>DescribeClusters</c> (or 5439 when a host is given).</summary>
    public int? Port { get; init; }

    /// <summary>The database; default: the credential's <c>DbName</c>, else the cluster's <c>DBName</c>, else <c>dev</c>.</summary>
    public string? Database { get; init; }

    /// <summary>
    /// TLS. Default: <see cref="SslMode.Require"/> against AWS (Redshift refuses IAM logins without TLS),
    /// <see cref="SslMode.Prefer"/> against another endpoint (an IamDb broker's PostgreSQL may have no certificate).
    /// </summary>
    public SslMode? SslMode { get; init; }

    /// <summary>The CA certificate file (PEM) to verify the server with; use with <see cref="SslMode.VerifyFull"/>.</summary>
    public string? RootCertificate { get; init; }

    /// <summary>Further connection settings (pool size, timeouts, application name). Username and password are set per credential.</summary>
    public Action<NpgsqlConnectionStringBuilder>? ConfigureConnection { get; init; }

    /// <summary>Further data source settings (logging, type mapping), applied to each per-credential data source.</summary>
    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; init; }
}
