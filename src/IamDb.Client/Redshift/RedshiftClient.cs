using IamDb.Client.Query;

namespace IamDb.Client.Redshift;

/// <summary>
/// Redshift's credential API — <c>GetClusterCredentials</c>, <c>GetClusterCredentialsWithIAM</c>, <c>DescribeClusters</c> —
/// against AWS (<c>https://redshift.REGION.amazonaws.com</c>) or any compatible endpoint such as the IamDb broker.
/// Calls once per method call (no cache, no retry: see <c>ClusterCredentialCache</c>).
/// </summary>
public sealed class RedshiftClient
{
    /// <summary>Creates a client.</summary>
    /// <param name="query">The signed Query client to call through.</param>
    /// <param name="region">The region to sign for, e.g. <c>us-east-1</c>.</param>
    /// <param name="endpoint">The endpoint; null for AWS's Redshift endpoint of <paramref name="region"/>.</param>
    public RedshiftClient(AwsQueryClient query, string region, Uri? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        Query = query;
        Region = region;
        Endpoint = endpoint ?? AwsServices.DefaultEndpoint(AwsServices.Redshift, region);
    }

    /// <summary>The Query client.</summary>
    public AwsQueryClient Query { get; }

    /// <summary>The signing region.</summary>
    public string Region { get; }

    /// <summary>The endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>True when <see cref="Endpoint"/> is AWS's own (not an IamDb broker).</summary>
    public bool IsAws => AwsServices.IsAwsEndpoint(Endpoint);

    /// <summary>A new Redshift request for <paramref name="action"/> against this client's endpoint (for the broker's own actions too).</summary>
    public AwsQueryRequest NewRequest(string action) =>
        new(Endpoint, Region, AwsServices.Redshift, action, AwsServices.RedshiftVersion);

    /// <summary>Calls <c>GetClusterCredentials</c>.</summary>
    /// <exception cref="AwsServiceException">e.g. <c>ClusterNotFound</c>, <c>AccessDenied</c>, <c>Throttling</c>.</exception>
    /// <exception cref="AwsNetworkException">no answer.</exception>
    public async Task<ClusterCredentials> GetClusterCredentialsAsync(GetClusterCredentialsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = NewRequest("GetClusterCredentials")
            .Add("DbUser", request.DbUser)
            .Add("DbName", request.DbName)
            .Add("ClusterIdentifier", request.ClusterIdentifier)
            .Add("DurationSeconds", request.DurationSeconds)
            .Add("AutoCreate", request.AutoCreate)
            .AddList("DbGroups", request.DbGroups, "DbGroup")
            .Add("CustomDomainName", request.CustomDomainName);
        var response = await Query.CallAsync(call, cancellationToken).ConfigureAwait(false);
        return ClusterCredentials.FromResult(response);
    }

    /// <summary>Calls <c>GetClusterCredentialsWithIAM</c>.</summary>
    public async Task<ClusterCredentials> GetClusterCredentialsWithIamAsync(
        GetClusterCredentialsWithIamRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = NewRequest("GetClusterCredentialsWithIAM")
            .Add("DbName", request.DbName)
            .Add("ClusterIdentifier", request.ClusterIdentifier)
            .Add("DurationSeconds", request.DurationSeconds)
            .Add("CustomDomainName", request.CustomDomainName);
        var response = await Query.CallAsync(call, cancellationToken).ConfigureAwait(false);
        return ClusterCredentials.FromResult(response);
    }

    /// <summary>Calls <c>DescribeClusters</c> for one page.</summary>
    public async Task<DescribeClustersResult> DescribeClustersAsync(DescribeClustersRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= new DescribeClustersRequest();
        var call = NewRequest("DescribeClusters")
            .Add("ClusterIdentifier", request.ClusterIdentifier)
            .Add("MaxRecords", request.MaxRecords)
            .Add("Marker", request.Marker)
            .AddList("TagKeys", request.TagKeys, "TagKey")
            .AddList("TagValues", request.TagValues, "TagValue");
        var response = await Query.CallAsync(call, cancellationToken).ConfigureAwait(false);
        var clusters = response.Result.Members("Clusters").Select(c => RedshiftCluster.FromXml(response, c)).ToList();
        var marker = response.Result.Text("Marker");
        return new DescribeClustersResult(clusters, string.IsNullOrEmpty(marker) ? null : marker);
    }

    /// <summary>
    /// Calls IamDb's <c>DescribeClusterCertificate</c>: the CA certificate (PEM) that verifies the cluster's server
    /// certificate, when the broker has one for it. Authorized as <c>redshift:DescribeClusters</c>; AWS has no such action.
    /// </summary>
    /// <exception cref="AwsServiceException"><c>ClusterNotFound</c>, <c>AccessDenied</c>, or <c>InvalidAction</c> from AWS.</exception>
    public async Task<ClusterCertificate> DescribeClusterCertificateAsync(string clusterIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterIdentifier);
        var call = NewRequest("DescribeClusterCertificate").Add("ClusterIdentifier", clusterIdentifier);
        var response = await Query.CallAsync(call, cancellationToken).ConfigureAwait(false);
        var pem = response.Result.Text("SslRootCertificate");
        return new ClusterCertificate(
            response.Result.Text("ClusterIdentifier") ?? clusterIdentifier, response.Result.Text("SslMode"), string.IsNullOrWhiteSpace(pem) ? null : pem);
    }

    /// <summary>Describes one cluster.</summary>
    /// <exception cref="AwsServiceException"><c>ClusterNotFound</c> when there is no such cluster.</exception>
    public async Task<RedshiftCluster> DescribeClusterAsync(string clusterIdentifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterIdentifier);
        var page = await DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = clusterIdentifier }, cancellationToken).ConfigureAwait(false);
        return page.Clusters.FirstOrDefault(c => c.ClusterIdentifier == clusterIdentifier) ?? (page.Clusters.Count > 0 ? page.Clusters[0] : null) ??
            throw new InvalidDataException($"DescribeClusters answered without cluster '{clusterIdentifier}'.");
    }
}
