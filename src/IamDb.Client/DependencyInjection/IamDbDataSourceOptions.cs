using Npgsql;

namespace IamDb.Client.DependencyInjection;

/// <summary>
/// One data source registered with <see cref="IamDbServiceCollectionExtensions.AddIamDbDataSource"/>, bound from a
/// configuration section (e.g. <c>"IamDb": { "Region": "us-east-1", "ClusterIdentifier": "analytics", "DbUser": "etl" }</c>).
/// The AWS keys come from <see cref="Profile"/> or the default chain (environment, profiles, instance metadata), never from
/// this section.
/// </summary>
public sealed class IamDbDataSourceOptions
{
    /// <summary>The signing region (required), e.g. <c>us-east-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>The endpoint (an IamDb broker, e.g. <c>http://127.0.0.1:8475</c>); null for AWS's Redshift endpoint of <see cref="Region"/>.</summary>
    public string? EndpointUrl { get; set; }

    /// <summary>An AWS profile to sign with; null for the default chain.</summary>
    public string? Profile { get; set; }

    /// <summary>The credentials file <see cref="Profile"/> is read from; null for the AWS default (<c>~/.aws/credentials</c>).</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>The cluster identifier (required).</summary>
    public string? ClusterIdentifier { get; set; }

    /// <summary>The database user (<c>GetClusterCredentials</c>); not with <see cref="WithIam"/>.</summary>
    public string? DbUser { get; set; }

    /// <summary>The only database the credential may log in to; null for any.</summary>
    public string? DbName { get; set; }

    /// <summary>Groups to join.</summary>
    public IList<string> DbGroups { get; } = [];

    /// <summary>Create the database user when missing.</summary>
    public bool AutoCreate { get; set; }

    /// <summary>900–3600 seconds; null for the service default.</summary>
    public int? DurationSeconds { get; set; }

    /// <summary>Use <c>GetClusterCredentialsWithIAM</c>.</summary>
    public bool WithIam { get; set; }

    /// <summary>The host; null to ask <c>DescribeClusters</c> on first use.</summary>
    public string? Host { get; set; }

    /// <summary>The port; null to ask <c>DescribeClusters</c>.</summary>
    public int? Port { get; set; }

    /// <summary>The database; default the credential's <c>DbName</c>, else the cluster's.</summary>
    public string? Database { get; set; }

    /// <summary>TLS; default <c>Require</c> against AWS, <c>Prefer</c> against a broker.</summary>
    public SslMode? SslMode { get; set; }

    /// <summary>The CA certificate file for <c>VerifyFull</c>.</summary>
    public string? RootCertificate { get; set; }

    /// <summary>The most server connections the data source holds, rotations included (default 20).</summary>
    public int MaxPoolSize { get; set; } = DataSources.ClusterDataSourceOptions.DefaultMaxPoolSize;

    /// <summary>
    /// A bound on server connections shared by every IamDb data source of the container (a <see cref="DataSources.ConnectionBudget"/>
    /// registered once, by the first registration that gives it); null for none.
    /// </summary>
    public int? MaxConnections { get; set; }

    /// <summary>Further connection settings (timeouts, application name); code only.</summary>
    public Action<NpgsqlConnectionStringBuilder>? ConfigureConnection { get; set; }
}
