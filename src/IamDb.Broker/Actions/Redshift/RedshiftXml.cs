using IamDb.Aws.Query;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>Redshift's XML shapes (redshift.service-2.json) for what IamDb stores.</summary>
internal static class RedshiftXml
{
    /// <summary>
    /// The members of a <c>Cluster</c> structure. A registered PostgreSQL server is always <c>available</c>; the fields
    /// Redshift reports about nodes, VPCs and snapshots get neutral values so SDK parsers and drivers find what they read
    /// (<c>Endpoint/Address</c>, <c>Endpoint/Port</c>, <c>DBName</c>, <c>MasterUsername</c>). IamDb's own settings follow
    /// as extension members: <c>SslMode</c>, <c>AllowedDbGroups</c>, <c>AllowPrivilegedDbUsers</c>.
    /// </summary>
    public static void WriteCluster(QueryXmlWriter w, RedshiftCluster cluster)
    {
        w.WriteString("ClusterIdentifier", cluster.ClusterIdentifier);
        w.WriteString("NodeType", "postgresql");
        w.WriteString("ClusterStatus", "available");
        w.WriteString("ClusterAvailabilityStatus", "Available");
        w.WriteString("MasterUsername", cluster.AdminUser);
        w.WriteString("DBName", cluster.DefaultDatabase);
        w.WriteStructure("Endpoint", e =>
        {
            e.WriteString("Address", cluster.Host);
            e.WriteInt32("Port", cluster.Port);
        });
        w.WriteTimestamp("ClusterCreateTime", cluster.CreatedAt);
        w.WriteInt32("AutomatedSnapshotRetentionPeriod", 0);
        w.WriteInt32("ManualSnapshotRetentionPeriod", -1);
        w.WriteList("ClusterSecurityGroups", Array.Empty<string>(), static (_, _) => { }, "ClusterSecurityGroup");
        w.WriteList("VpcSecurityGroups", Array.Empty<string>(), static (_, _) => { }, "VpcSecurityGroup");
        w.WriteList("ClusterParameterGroups", Array.Empty<string>(), static (_, _) => { }, "ClusterParameterGroup");
        w.WriteString("AvailabilityZone", cluster.Region + "a");
        w.WriteStructure("PendingModifiedValues", static _ => { });
        w.WriteString("ClusterVersion", "1.0");
        w.WriteBoolean("AllowVersionUpgrade", false);
        w.WriteInt32("NumberOfNodes", 1);
        w.WriteBoolean("PubliclyAccessible", false);
        w.WriteBoolean("Encrypted", false);
        w.WriteList("Tags", cluster.Tags, static (t, tag) =>
        {
            t.WriteString("Key", tag.Key);
            t.WriteString("Value", tag.Value);
        }, "Tag");
        w.WriteList("IamRoles", Array.Empty<string>(), static (_, _) => { }, "ClusterIamRole");
        w.WriteBoolean("EnhancedVpcRouting", false);

        // IamDb's extensions (SDK parsers skip unknown members). Nothing secret: the root certificate is not repeated.
        w.WriteString("SslMode", cluster.SslMode);
        w.WriteStringList("AllowedDbGroups", cluster.AllowedDbGroups);
        w.WriteBoolean("AllowPrivilegedDbUsers", cluster.AllowPrivilegedDbUsers);
    }
}
