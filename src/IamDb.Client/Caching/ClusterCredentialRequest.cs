using System.Globalization;
using System.Text;

namespace IamDb.Client.Caching;

/// <summary>
/// What a credential is for: everything besides the endpoint, region and caller that changes the answer. Two requests
/// with the same members (groups in any order) share one cached credential.
/// </summary>
public sealed record ClusterCredentialRequest
{
    /// <summary>The cluster identifier.</summary>
    public required string ClusterIdentifier { get; init; }

    /// <summary>The database user (<c>GetClusterCredentials</c>); ignored when <see cref="WithIam"/> is set.</summary>
    public string? DbUser { get; init; }

    /// <summary>The only database the credential may log in to; null for any.</summary>
    public string? DbName { get; init; }

    /// <summary>Groups to join for sessions with the credential.</summary>
    public IReadOnlyList<string>? DbGroups { get; init; }

    /// <summary>Create the database user when missing.</summary>
    public bool AutoCreate { get; init; }

    /// <summary>900–3600 seconds; null for the service default (900).</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>Use <c>GetClusterCredentialsWithIAM</c> (the database user is the caller's IAM identity).</summary>
    public bool WithIam { get; init; }

    /// <summary>Checks the request before any call; the messages say what to change.</summary>
    /// <exception cref="ArgumentException">a member is missing or out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ClusterIdentifier))
        {
            throw new ArgumentException("ClusterIdentifier is required.", nameof(ClusterIdentifier));
        }

        if (!WithIam && string.IsNullOrWhiteSpace(DbUser))
        {
            throw new ArgumentException("DbUser is required for GetClusterCredentials (or set WithIam for GetClusterCredentialsWithIAM).", nameof(DbUser));
        }

        if (DurationSeconds is < 900 or > 3600)
        {
            throw new ArgumentException($"DurationSeconds must be between 900 and 3600, not {DurationSeconds}.", nameof(DurationSeconds));
        }

        if (WithIam && (AutoCreate || DbGroups is { Count: > 0 }))
        {
            throw new ArgumentException("GetClusterCredentialsWithIAM takes no AutoCreate or DbGroups: the IAM identity decides them.", nameof(WithIam));
        }
    }

    /// <summary>The groups sorted and without duplicates, as the key and the wire use them.</summary>
    internal IReadOnlyList<string> SortedGroups() =>
        DbGroups is null ? [] : DbGroups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}

/// <summary>The cache key: endpoint, region, caller identity and the request, with groups sorted.</summary>
internal sealed record CredentialKey(
    string Endpoint, string Region, string Identity, string Cluster, string? DbUser, string? DbName, string Groups, bool AutoCreate,
    int? Duration, bool WithIam)
{
    public static CredentialKey From(string endpoint, string region, string identity, ClusterCredentialRequest request) =>
        new(endpoint, region, identity, request.ClusterIdentifier, request.WithIam ? null : request.DbUser, request.DbName,
            string.Join(',', request.SortedGroups()), !request.WithIam && request.AutoCreate, request.DurationSeconds, request.WithIam);

    /// <summary>A stable text form (for the persistent cache file); every part is length-prefixed so none can run into another.</summary>
    public string Canonical()
    {
        var text = new StringBuilder();
        foreach (var part in new[]
                 {
                     Endpoint, Region, Identity, Cluster, DbUser ?? "-", DbName ?? "-", Groups, AutoCreate ? "1" : "0",
                     Duration?.ToString(CultureInfo.InvariantCulture) ?? "-", WithIam ? "iam" : "user",
                 })
        {
            text.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part).Append(';');
        }

        return text.ToString();
    }

    /// <summary>For logs: no endpoint internals, no secrets (there are none in a key).</summary>
    public override string ToString() =>
        $"{Cluster}/{(WithIam ? "(iam)" : DbUser)}@{DbName ?? "*"}{(Groups.Length > 0 ? "[" + Groups + "]" : string.Empty)}";
}
