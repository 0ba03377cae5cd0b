using System.Globalization;
using System.Text.Json.Nodes;
using IamDb.Client.Redshift;

namespace IamDb.Cli.Commands.Clusters;

/// <summary>How the cluster commands show a cluster: its JSON form and its allowed groups as text.</summary>
internal static class ClusterOutput
{
    public static string Groups(RedshiftCluster c) => c.AllowedDbGroups.Count == 0 ? "any" : string.Join(" ", c.AllowedDbGroups);

    public static JsonObject ToJson(RedshiftCluster c) => new()
    {
        ["ClusterIdentifier"] = c.ClusterIdentifier,
        ["ClusterStatus"] = c.ClusterStatus,
        ["DBName"] = c.DBName,
        ["MasterUsername"] = c.MasterUsername,
        ["Endpoint"] = c.Endpoint is { } e ? new JsonObject { ["Address"] = e.Address, ["Port"] = e.Port } : null,
        ["ClusterCreateTime"] = c.ClusterCreateTime?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["Tags"] = new JsonArray([.. c.Tags.Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]),
        ["SslMode"] = c.SslMode,
        ["AllowedDbGroups"] = new JsonArray([.. c.AllowedDbGroups.Select(g => (JsonNode)g)]),
        ["AllowPrivilegedDbUsers"] = c.AllowPrivilegedDbUsers,
    };
}
