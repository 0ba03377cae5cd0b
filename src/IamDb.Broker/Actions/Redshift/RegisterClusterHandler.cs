using IamDb.Aws.Query;
using IamDb.Aws.Redshift;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>RegisterCluster</c> (IamDb): puts a PostgreSQL server under IamDb's management as a Redshift-style cluster. The
/// admin login is tested and the server prepared for database-scoped credentials (<see cref="IClusterAdministration.PrepareAsync"/>)
/// before anything is stored, so an unreachable server or a refused admin leaves no trace. The admin password is
/// encrypted at rest and never audited (its parameter name contains <c>Password</c>). IamDb's security settings:
/// <c>SslMode</c> and <c>SslRootCertificate</c> (how the admin connection verifies the server), <c>AllowedDbGroups.member.N</c>
/// and <c>AllowPrivilegedDbUsers</c> (what credentials may be issued for).
/// </summary>
internal sealed class RegisterClusterHandler(IClusterAdministration clusters, IStateStore store, TimeProvider time) : RedshiftActionHandler
{
    private static readonly StringConstraints Host = new(1, 253, @"[A-Za-z0-9.:\-\[\]_]+");
    private static readonly StringConstraints Password = new(1, 1024, sensitive: true);
    private static readonly StringConstraints TagKey = new(1, 128);
    private static readonly StringConstraints TagValue = new(0, 256);

    public override string Action => "RegisterCluster";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.RequiredClusterIdentifier();
        var host = reader.RequiredString("Host", Host);
        var port = reader.OptionalInt("Port", 1, 65535) ?? 5432;
        var database = reader.RequiredString("DBName");
        if (reader.Contains("DBName") && RedshiftNames.CheckDbName(database) is { } dbProblem)
        {
            reader.ReportInvalid("DBName", database, "DBName " + dbProblem);
        }

        var admin = reader.RequiredString("MasterUsername");
        if (reader.Contains("MasterUsername") && RedshiftNames.CheckName(admin, lowercaseOnly: false) is { } adminProblem)
        {
            reader.ReportInvalid("MasterUsername", admin, "MasterUsername " + adminProblem);
        }

        var password = reader.RequiredString("MasterUserPassword", Password);
        var tags = reader.OptionalStructList("Tags", t => new Tag(t.RequiredString("Key", TagKey), t.OptionalString("Value", TagValue) ?? string.Empty), "Tag", maxItems: 50) ?? [];
        var settings = reader.ReadClusterSettings();
        ThrowIfInvalid(reader);
        if (tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidParameter("Tags", "each tag key may appear only once"));
        }

        await context.AuthorizeAsync("iamdb:RegisterCluster", ClusterArn(context, null, identifier), ct: ct);
        if (await FindClusterAsync(store, context, identifier, ct) is { } existing)
        {
            throw new AwsErrorException(RedshiftErrors.ClusterAlreadyExists(existing.ClusterIdentifier));
        }

        var cluster = settings.ApplyTo(new RedshiftCluster(
            context.Request.Caller.AccountId, identifier, context.Request.Region, host, port, database, admin, new SecretString(password), time.GetUtcNow())
        {
            Tags = tags,
        });
        ClusterPreparation prepared;
        try
        {
            prepared = await clusters.PrepareAsync(cluster.Endpoint(), ct);
        }
        catch (ClusterOperationException ex)
        {
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, cluster, settingsGiven: true));
        }

        try
        {
            cluster = await store.WriteAsync((w, c) => w.Clusters.CreateAsync(cluster, c), ct);
        }
        catch (EntityAlreadyExistsException)
        {
            throw new AwsErrorException(RedshiftErrors.ClusterAlreadyExists(identifier));
        }

        return new ActionOutcome(w =>
        {
            w.WriteStructure("Cluster", c => RedshiftXml.WriteCluster(c, cluster));
            SkippedDatabasesXml.Write(w, prepared.SkippedDatabases);
        }).Recording(("clusterIdentifier", cluster.ClusterIdentifier), ("endpoint", $"{cluster.Host}:{cluster.Port}"), ("serverVersion", prepared.ServerVersion), ("passwordLoginUsers", string.Join(",", prepared.PasswordLoginUsers)), ("sslMode", cluster.SslMode), ("skippedDatabases", string.Join(",", prepared.SkippedDatabases.Select(s => s.Database))));
    }
}
