using IamDb.Aws.Arns;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>Base of the Redshift and IamDb cluster handlers: the service, Redshift-style parameter errors, cluster lookup.</summary>
internal abstract class RedshiftActionHandler : IActionHandler
{
    public string Service => "redshift";

    public abstract string Action { get; }

    public abstract ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct);

    /// <summary>A reader that reports the first problem as <c>MissingParameter</c> or <c>InvalidParameterValue</c>, as Redshift does.</summary>
    protected static QueryParameterReader Reader(ActionContext context) =>
        new(context.Request.Parameters, QueryValidationStyle.InvalidParameterValue);

    /// <summary>Throws the reader's first problem, if any.</summary>
    protected static void ThrowIfInvalid(QueryParameterReader reader)
    {
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }
    }

    /// <summary>The registered cluster, or null. Identifiers compare without regard to case, as Redshift's do.</summary>
    protected static Task<RedshiftCluster?> FindClusterAsync(IStateStore store, ActionContext context, string identifier, CancellationToken ct) =>
        store.ReadAsync((r, c) => r.Clusters.GetAsync(context.Request.Caller.AccountId, identifier, c), ct);

    /// <summary>
    /// The cluster's spelling of its identifier when it exists (so <c>CLUSTERA</c> cannot slip past a policy written for
    /// <c>clusterA</c>), otherwise the identifier as requested.
    /// </summary>
    protected static string ResourceIdentifier(RedshiftCluster? cluster, string requested) => cluster?.ClusterIdentifier ?? requested;

    /// <summary>The region in ARNs about <paramref name="cluster"/>: its own, or the request's when it is unknown.</summary>
    protected static string ResourceRegion(ActionContext context, RedshiftCluster? cluster) => cluster?.Region ?? context.Request.Region;

    /// <summary><c>arn:aws:redshift:REGION:ACCOUNT:cluster:ID</c>.</summary>
    protected static string ClusterArn(ActionContext context, RedshiftCluster? cluster, string requested) =>
        Arn.RedshiftCluster(ResourceRegion(context, cluster), context.Request.Caller.AccountId, ResourceIdentifier(cluster, requested)).ToString();

    /// <summary>Throws <c>ClusterNotFound</c> when <paramref name="cluster"/> is null.</summary>
    protected static RedshiftCluster Require(RedshiftCluster? cluster, string requested) =>
        cluster ?? throw new AwsErrorException(RedshiftErrors.ClusterNotFound(requested));

    /// <summary>Reads a page request from <c>MaxRecords</c> (<paramref name="min"/>..100, default 100) and <c>Marker</c>.</summary>
    protected static PageRequest ReadPage(QueryParameterReader reader, int min)
    {
        var max = reader.OptionalInt("MaxRecords");
        if (max is { } m && (m < min || m > 100))
        {
            reader.ReportInvalid("MaxRecords", m.ToString(System.Globalization.CultureInfo.InvariantCulture), $"MaxRecords must be between {min} and 100");
        }

        var marker = reader.OptionalString("Marker");
        return new PageRequest(string.IsNullOrEmpty(marker) ? null : marker, max ?? 100);
    }
}
