using System.Data.Common;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlClusters(SqlSession session) : IClusterWriter
{
    private const string Select =
        "SELECT account_id, identifier, region, host, port, default_db, admin_user, admin_password, created_at, tags, "
        + "ssl_mode, ssl_root_certificate, allowed_db_groups, allow_privileged_db_users FROM redshift_clusters";

    public Task<RedshiftCluster?> GetAsync(string accountId, string clusterIdentifier, CancellationToken cancellationToken) =>
        session.SingleAsync(
            $"{Select} WHERE account_id = @account AND identifier_key = @key",
            Read,
            cancellationToken,
            ("account", accountId),
            ("key", SqlSession.NameKey(clusterIdentifier)));

    public Task<Page<RedshiftCluster>> ListAsync(string accountId, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "clusters",
            new SqlQuery(Select).Where("account_id = @account", ("account", accountId)),
            "identifier_key",
            page,
            Read,
            cluster => SqlSession.NameKey(cluster.ClusterIdentifier),
            cancellationToken);

    public async Task<RedshiftCluster> CreateAsync(RedshiftCluster cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        cluster = cluster with { CreatedAt = StoreTime.Normalize(cluster.CreatedAt) };
        await session.ExecuteUniqueAsync(
            "INSERT INTO redshift_clusters (account_id, identifier_key, identifier, region, host, port, default_db, admin_user, admin_password, "
            + "tags, created_at, ssl_mode, ssl_root_certificate, allowed_db_groups, allow_privileged_db_users) "
            + "VALUES (@account, @key, @identifier, @region, @host, @port, @db, @admin, @password, @tags, @created, @ssl_mode, @ssl_root, @allowed_groups, @privileged)",
            () => new EntityAlreadyExistsException("Cluster", cluster.ClusterIdentifier, "Cluster already exists"),
            cancellationToken,
            [.. Parameters(cluster), ("identifier", cluster.ClusterIdentifier), ("created", cluster.CreatedAt.Millis())]);
        return cluster;
    }

    public async Task<bool> UpdateAsync(RedshiftCluster cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return await session.ExecuteAsync(
            "UPDATE redshift_clusters SET region = @region, host = @host, port = @port, default_db = @db, admin_user = @admin, "
            + "admin_password = @password, tags = @tags, ssl_mode = @ssl_mode, ssl_root_certificate = @ssl_root, allowed_db_groups = @allowed_groups, "
            + "allow_privileged_db_users = @privileged WHERE account_id = @account AND identifier_key = @key",
            cancellationToken,
            Parameters(cluster)) > 0;
    }

    public async Task<bool> DeleteAsync(string accountId, string clusterIdentifier, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "DELETE FROM redshift_clusters WHERE account_id = @account AND identifier_key = @key",
            cancellationToken,
            ("account", accountId),
            ("key", SqlSession.NameKey(clusterIdentifier))) > 0;

    internal static string Context(string accountId, string identifier) => $"redshift-cluster:{accountId}:{SqlSession.NameKey(identifier)}";

    private (string, object?)[] Parameters(RedshiftCluster cluster) =>
    [
        ("account", cluster.AccountId),
        ("key", SqlSession.NameKey(cluster.ClusterIdentifier)),
        ("region", cluster.Region),
        ("host", cluster.Host),
        ("port", (long)cluster.Port),
        ("db", cluster.DefaultDatabase),
        ("admin", cluster.AdminUser),
        ("password", session.Protector.Protect(cluster.AdminPassword, Context(cluster.AccountId, cluster.ClusterIdentifier))),
        ("tags", StateJson.WriteTags(cluster.Tags)),
        ("ssl_mode", cluster.SslMode),
        ("ssl_root", cluster.SslRootCertificate),
        ("allowed_groups", StateJson.Write(cluster.AllowedDbGroups)),
        ("privileged", cluster.AllowPrivilegedDbUsers ? 1L : 0L),
    ];

    private RedshiftCluster Read(DbDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.GetString(2),
            r.GetString(3),
            (int)r.GetInt64(4),
            r.GetString(5),
            r.GetString(6),
            session.Protector.UnprotectString(r.GetBytes(7), Context(r.GetString(0), r.GetString(1))),
            r.GetTime(8))
        {
            Tags = StateJson.ReadTags(r.GetString(9)),
            SslMode = r.GetString(10),
            SslRootCertificate = r.GetStringOrNull(11),
            AllowedDbGroups = StateJson.Read<List<string>>(r.GetString(12)),
            AllowPrivilegedDbUsers = r.GetInt64(13) != 0,
        };
}
