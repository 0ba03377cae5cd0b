using IamDb.Broker.Actions.Iam;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>DescribeClusters</c>: one cluster by <c>ClusterIdentifier</c> (authorized on its ARN), or all of them (authorized on
/// <c>*</c>), filtered by <c>TagKeys</c>/<c>TagValues</c> and paged with <c>MaxRecords</c> (20..100) and <c>Marker</c>.
/// </summary>
internal sealed class DescribeClustersHandler(IStateStore store) : RedshiftActionHandler
{
    private const string MarkerList = "redshift-clusters";

    public override string Action => "DescribeClusters";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.OptionalString("ClusterIdentifier");
        var page = ReadPage(reader, min: 20);
        var tagKeys = reader.OptionalStringList("TagKeys", "TagKey") ?? [];
        var tagValues = reader.OptionalStringList("TagValues", "TagValue") ?? [];
        ThrowIfInvalid(reader);
        if (identifier is not null && page.Marker is not null)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidCombination("Specify either ClusterIdentifier or Marker, not both."));
        }

        List<RedshiftCluster> clusters;
        if (identifier is not null)
        {
            var cluster = await FindClusterAsync(store, context, identifier, ct);
            await context.AuthorizeAsync("redshift:DescribeClusters", ClusterArn(context, cluster, identifier), ct: ct);
            clusters = [Require(cluster, identifier)];
        }
        else
        {
            await context.AuthorizeAsync("redshift:DescribeClusters", "*", ct: ct);
            clusters = await store.ReadAsync(
                (r, c) => Pages.ReadAllAsync(p => r.Clusters.ListAsync(context.Request.Caller.AccountId, p, c)), ct);
        }

        var matching = clusters.Where(c => MatchesTags(c, tagKeys, tagValues)).ToList();
        Page<RedshiftCluster> slice;
        try
        {
            slice = MemoryPaging.Slice(matching, MarkerList, page);
        }
        catch (InvalidMarkerException)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidParameter("Marker", "the marker is not one this operation returned; start without Marker"));
        }

        return new ActionOutcome(w =>
        {
            w.WriteString("Marker", slice.NextMarker);
            w.WriteList("Clusters", slice.Items, RedshiftXml.WriteCluster, "Cluster");
        });
    }

    /// <summary>Redshift returns clusters carrying any of the keys and any of the values (both must match when both are given).</summary>
    private static bool MatchesTags(RedshiftCluster cluster, IReadOnlyList<string> keys, IReadOnlyList<string> values)
    {
        if (keys.Count == 0 && values.Count == 0)
        {
            return true;
        }

        return cluster.Tags.Any(t =>
            (keys.Count == 0 || keys.Contains(t.Key, StringComparer.Ordinal)) && (values.Count == 0 || values.Contains(t.Value, StringComparer.Ordinal)));
    }
}
