using System.Globalization;
using System.Xml.Linq;
using IamDb.Aws.Query;
using IamDb.Client.Query;

namespace IamDb.Client.Redshift;

/// <summary>The input of <c>GetClusterCredentials</c> (Redshift's <c>GetClusterCredentialsMessage</c>).</summary>
public sealed record GetClusterCredentialsRequest
{
    /// <summary>The database user (required). The answer's <see cref="ClusterCredentials.DbUser"/> is the login name to use.</summary>
    public required string DbUser { get; init; }

    /// <summary>The cluster (case sensitive). One of this and <see cref="CustomDomainName"/> is needed.</summary>
    public string? ClusterIdentifier { get; init; }

    /// <summary>The cluster's custom domain name.</summary>
    public string? CustomDomainName { get; init; }

    /// <summary>The only database the password may log in to; null for any.</summary>
    public string? DbName { get; init; }

    /// <summary>Groups the user joins for sessions with this credential; null sends nothing.</summary>
    public IReadOnlyList<string>? DbGroups { get; init; }

    /// <summary>Create the database user when missing.</summary>
    public bool? AutoCreate { get; init; }

    /// <summary>900–3600 seconds; null lets the service use its default (900).</summary>
    public int? DurationSeconds { get; init; }
}

/// <summary>The input of <c>GetClusterCredentialsWithIAM</c>: the database user is derived from the caller's IAM identity.</summary>
public sealed record GetClusterCredentialsWithIamRequest
{
    /// <summary>The cluster.</summary>
    public string? ClusterIdentifier { get; init; }

    /// <summary>The cluster's custom domain name.</summary>
    public string? CustomDomainName { get; init; }

    /// <summary>The only database the password may log in to; null for any.</summary>
    public string? DbName { get; init; }

    /// <summary>900–3600 seconds; null for the service default (900).</summary>
    public int? DurationSeconds { get; init; }
}

/// <summary>
/// A temporary database credential: log in as <see cref="DbUser"/> (verbatim: it carries the <c>IAM:</c> prefix, and with
/// IamDb a per-credential suffix) with <see cref="DbPassword"/> until <see cref="Expiration"/>.
/// <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class ClusterCredentials
{
    /// <summary>Creates a credential.</summary>
    public ClusterCredentials(string dbUser, string dbPassword, DateTimeOffset expiration, DateTimeOffset? nextRefreshTime = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dbUser);
        ArgumentException.ThrowIfNullOrEmpty(dbPassword);
        DbUser = dbUser;
        DbPassword = dbPassword;
        Expiration = expiration.ToUniversalTime();
        NextRefreshTime = nextRefreshTime?.ToUniversalTime();
    }

    /// <summary>The login name.</summary>
    public string DbUser { get; }

    /// <summary>The temporary password. Never log it.</summary>
    public string DbPassword { get; }

    /// <summary>When the password stops working, in UTC by the server's clock.</summary>
    public DateTimeOffset Expiration { get; }

    /// <summary><c>GetClusterCredentialsWithIAM</c>'s <c>NextRefreshTime</c>, when sent.</summary>
    public DateTimeOffset? NextRefreshTime { get; }

    /// <summary>The request id of the call that issued it, when known.</summary>
    public string? RequestId { get; init; }

    /// <summary>The server's clock when it answered (HTTP <c>Date</c>), used to correct for clock skew.</summary>
    public DateTimeOffset? ServerDate { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"ClusterCredentials {{ DbUser = {DbUser}, DbPassword = ***, Expiration = {QueryTimestamps.Format(Expiration)} }}";

    internal static ClusterCredentials FromResult(AwsQueryResponse response)
    {
        var result = response.Result ?? throw Invalid(response, "no result element");
        var user = result.Text("DbUser") ?? throw Invalid(response, "no DbUser");
        var password = result.Text("DbPassword") ?? throw Invalid(response, "no DbPassword");
        var expiration = ParseTimestamp(response, result, "Expiration") ?? throw Invalid(response, "no Expiration");
        return new ClusterCredentials(user, password, expiration, ParseTimestamp(response, result, "NextRefreshTime"))
        {
            RequestId = response.RequestId,
            ServerDate = response.ServerDate,
        };
    }

    internal static DateTimeOffset? ParseTimestamp(AwsQueryResponse response, XElement element, string name)
    {
        var text = element.Text(name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return QueryTimestamps.TryParse(text, out var value) ? value : throw Invalid(response, $"{name} '{text}' is not an ISO-8601 timestamp");
    }

    internal static InvalidDataException Invalid(AwsQueryResponse response, string problem) =>
        new($"{response.Action} answered without a usable result ({problem}; request id {response.RequestId ?? "none"}).");
}

/// <summary>The input of <c>DescribeClusters</c>.</summary>
public sealed record DescribeClustersRequest
{
    /// <summary>One cluster; null lists all (paged).</summary>
    public string? ClusterIdentifier { get; init; }

    /// <summary>Page size, 20–100.</summary>
    public int? MaxRecords { get; init; }

    /// <summary>The marker of the previous page.</summary>
    public string? Marker { get; init; }

    /// <summary>Only clusters with a tag of one of these keys.</summary>
    public IReadOnlyList<string>? TagKeys { get; init; }

    /// <summary>Only clusters with a tag of one of these values.</summary>
    public IReadOnlyList<string>? TagValues { get; init; }
}

/// <summary>IamDb's <c>DescribeClusterCertificate</c> answer.</summary>
/// <param name="ClusterIdentifier">The cluster.</param>
/// <param name="SslMode">How the broker itself verifies the cluster (<c>require</c>, <c>verify-ca</c>, <c>verify-full</c>), when it says.</param>
/// <param name="CertificatePem">The CA certificate(s) to verify the cluster's server certificate with; null when the broker has none for it.</param>
public sealed record ClusterCertificate(string ClusterIdentifier, string? SslMode, string? CertificatePem);

/// <summary>One page of <c>DescribeClusters</c>.</summary>
/// <param name="Clusters">The clusters.</param>
/// <param name="Marker">The marker of the next page, or null.</param>
public sealed record DescribeClustersResult(IReadOnlyList<RedshiftCluster> Clusters, string? Marker);

/// <summary>Where a cluster accepts connections.</summary>
/// <param name="Address">The host name.</param>
/// <param name="Port">The port.</param>
public sealed record ClusterEndpointAddress(string Address, int Port);

/// <summary>A cluster as <c>DescribeClusters</c> describes it (the members a client needs).</summary>
public sealed record RedshiftCluster
{
    /// <summary>The identifier.</summary>
    public required string ClusterIdentifier { get; init; }

    /// <summary>e.g. <c>available</c>, <c>creating</c>.</summary>
    public string? ClusterStatus { get; init; }

    /// <summary>e.g. <c>Available</c>.</summary>
    public string? ClusterAvailabilityStatus { get; init; }

    /// <summary>The node type.</summary>
    public string? NodeType { get; init; }

    /// <summary>The admin user.</summary>
    public string? MasterUsername { get; init; }

    /// <summary>The initial database.</summary>
    public string? DBName { get; init; }

    /// <summary>Host and port; null while the cluster is being created.</summary>
    public ClusterEndpointAddress? Endpoint { get; init; }

    /// <summary>When the cluster was created.</summary>
    public DateTimeOffset? ClusterCreateTime { get; init; }

    /// <summary>The engine version.</summary>
    public string? ClusterVersion { get; init; }

    /// <summary>Number of nodes.</summary>
    public int? NumberOfNodes { get; init; }

    /// <summary>Whether the cluster is encrypted.</summary>
    public bool? Encrypted { get; init; }

    /// <summary>Whether the cluster is publicly accessible.</summary>
    public bool? PubliclyAccessible { get; init; }

    /// <summary>The cluster's tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// IamDb only: how the broker's admin connection verifies the server (<c>require</c>, <c>verify-ca</c>,
    /// <c>verify-full</c>); null from AWS.
    /// </summary>
    public string? SslMode { get; init; }

    /// <summary>IamDb only: the group names or patterns DbGroups may name on this cluster; empty for no extra restriction.</summary>
    public IReadOnlyList<string> AllowedDbGroups { get; init; } = [];

    /// <summary>IamDb only: whether credentials may be issued for privileged database users; null from AWS.</summary>
    public bool? AllowPrivilegedDbUsers { get; init; }

    /// <summary>
    /// Reads one <c>Cluster</c> element of a Redshift response (<c>DescribeClusters</c>, or IamDb's <c>RegisterCluster</c>,
    /// <c>UpdateCluster</c> and <c>DeregisterCluster</c>).
    /// </summary>
    /// <param name="response">The response the element came from (named in the error when the element is malformed).</param>
    /// <param name="cluster">The <c>Cluster</c> element.</param>
    /// <exception cref="InvalidDataException">The element lacks its identifier or holds a malformed value.</exception>
    public static RedshiftCluster FromXml(AwsQueryResponse response, XElement cluster)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(cluster);
        ClusterEndpointAddress? endpoint = null;
        if (cluster.Child("Endpoint") is { } e && e.Text("Address") is { Length: > 0 } address)
        {
            endpoint = new ClusterEndpointAddress(address, ParseInt(e.Text("Port")) ?? 5439);
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in cluster.Members("Tags"))
        {
            if (tag.Text("Key") is { } key)
            {
                tags[key] = tag.Text("Value") ?? string.Empty;
            }
        }

        return new RedshiftCluster
        {
            ClusterIdentifier = cluster.Text("ClusterIdentifier") ?? throw ClusterCredentials.Invalid(response, "a cluster without ClusterIdentifier"),
            ClusterStatus = cluster.Text("ClusterStatus"),
            ClusterAvailabilityStatus = cluster.Text("ClusterAvailabilityStatus"),
            NodeType = cluster.Text("NodeType"),
            MasterUsername = cluster.Text("MasterUsername"),
            DBName = cluster.Text("DBName"),
            Endpoint = endpoint,
            ClusterCreateTime = ClusterCredentials.ParseTimestamp(response, cluster, "ClusterCreateTime"),
            ClusterVersion = cluster.Text("ClusterVersion"),
            NumberOfNodes = ParseInt(cluster.Text("NumberOfNodes")),
            Encrypted = ParseBool(cluster.Text("Encrypted")),
            PubliclyAccessible = ParseBool(cluster.Text("PubliclyAccessible")),
            Tags = tags,
            SslMode = cluster.Text("SslMode"),
            AllowedDbGroups = [.. cluster.Members("AllowedDbGroups").Select(m => m.Value)],
            AllowPrivilegedDbUsers = ParseBool(cluster.Text("AllowPrivilegedDbUsers")),
        };
    }

    private static int? ParseInt(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static bool? ParseBool(string? text) => bool.TryParse(text, out var value) ? value : null;
}
