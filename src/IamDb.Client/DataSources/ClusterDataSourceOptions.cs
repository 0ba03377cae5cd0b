using IamDb.Client.Caching;
using Npgsql;

namespace IamDb.Client.DataSources;

/// <summary>What <see cref="ClusterDataSource"/> connects to and how.</summary>
public sealed class ClusterDataSourceOptions
{
    /// <summary>The default of <see cref="MaxPoolSize"/>.</summary>
    public const int DefaultMaxPoolSize = 20;

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

    /// <summary>
    /// The most server connections this data source holds at once, rotations included (default 20, Npgsql's own default
    /// being 100 per pool): it is every pool's <c>Maximum Pool Size</c>, and opens beyond it wait (up to the connection
    /// <c>Timeout</c>) for a connection to close, so the retiring pool of a rotation and the new one share it.
    /// </summary>
    public int MaxPoolSize { get; init; } = DefaultMaxPoolSize;

    /// <summary>A budget shared with other data sources, from which this one reserves <see cref="MaxPoolSize"/>; null for none.</summary>
    public ConnectionBudget? Budget { get; init; }

    /// <summary>
    /// Further connection settings (timeouts, application name). Username and password are set per credential; the pool
    /// size is <see cref="MaxPoolSize"/> (a larger <c>MinPoolSize</c> is lowered to it).
    /// </summary>
    public Action<NpgsqlConnectionStringBuilder>? ConfigureConnection { get; init; }

    /// <summary>Further data source settings (logging, type mapping), applied to each per-credential data source.</summary>
    public Action<NpgsqlDataSourceBuilder>? ConfigureDataSource { get; init; }
}
