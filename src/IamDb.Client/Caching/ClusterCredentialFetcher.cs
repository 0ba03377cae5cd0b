using IamDb.Client.Redshift;

namespace IamDb.Client.Caching;

/// <summary>Makes the one API call behind a cache miss. The production fetcher calls Redshift's API; benchmarks count calls.</summary>
internal interface IClusterCredentialFetcher
{
    /// <summary>The endpoint called (part of the cache key).</summary>
    string Endpoint { get; }

    /// <summary>The signing region (part of the cache key).</summary>
    string Region { get; }

    /// <summary>The caller's identity (part of the cache key).</summary>
    string Identity { get; }

    Task<ClusterCredentials> FetchAsync(ClusterCredentialRequest request, CancellationToken cancellationToken);
}

/// <summary>Fetches through <see cref="RedshiftClient"/>: <c>GetClusterCredentials</c> or <c>GetClusterCredentialsWithIAM</c>.</summary>
internal sealed class RedshiftCredentialFetcher(RedshiftClient client) : IClusterCredentialFetcher
{
    public string Endpoint => client.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public string Region => client.Region;

    public string Identity => client.Query.Credentials.Identity;

    public Task<ClusterCredentials> FetchAsync(ClusterCredentialRequest request, CancellationToken cancellationToken) =>
        request.WithIam
            ? client.GetClusterCredentialsWithIamAsync(
                new GetClusterCredentialsWithIamRequest
                {
                    ClusterIdentifier = request.ClusterIdentifier,
                    DbName = request.DbName,
                    DurationSeconds = request.DurationSeconds,
                },
                cancellationToken)
            : client.GetClusterCredentialsAsync(
                new GetClusterCredentialsRequest
                {
                    ClusterIdentifier = request.ClusterIdentifier,
                    DbUser = request.DbUser!,
                    DbName = request.DbName,
                    DbGroups = request.DbGroups is { Count: > 0 } ? request.SortedGroups() : null,
                    AutoCreate = request.AutoCreate ? true : null,
                    DurationSeconds = request.DurationSeconds,
                },
                cancellationToken);
}
