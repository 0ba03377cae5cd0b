using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>TestCluster</c> (IamDb): connects as the registered admin and reports the server version, the databases and the
/// ordinary users that can still log in with a password (their temporary credentials would inherit their access), and
/// how the admin connection is secured: the TLS protocol (as the server reports it) and what was verified.
/// </summary>
internal sealed class TestClusterHandler(IClusterAdministration clusters, IStateStore store) : RedshiftActionHandler
{
    public override string Action => "TestCluster";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.RequiredClusterIdentifier();
        ThrowIfInvalid(reader);

        var cluster = await FindClusterAsync(store, context, identifier, ct);
        await context.AuthorizeAsync("iamdb:TestCluster", ClusterArn(context, cluster, identifier), ct: ct);
        var found = Require(cluster, identifier);
        ClusterPreparation test;
        try
        {
            test = await clusters.TestAsync(found.Endpoint(), ct);
        }
        catch (ClusterOperationException ex)
        {
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, found));
        }

        var verification = Verification(found);
        return new ActionOutcome(w =>
        {
            w.WriteString("ServerVersion", test.ServerVersion);
            w.WriteStringList("Databases", test.Databases);
            w.WriteStringList("PasswordLoginUsers", test.PasswordLoginUsers);
            w.WriteString("TlsVersion", test.TlsVersion);
            w.WriteString("TlsVerification", verification);
            SkippedDatabasesXml.Write(w, test.SkippedDatabases);
        }).Recording(("serverVersion", test.ServerVersion), ("tlsVersion", test.TlsVersion ?? "none"), ("tlsVerification", verification));
    }

    /// <summary>What the successful connection proved about the server, in words.</summary>
    internal static string Verification(RedshiftCluster cluster) => cluster.SslMode switch
    {
        ClusterSslModes.Require => "encrypted, certificate not verified (require)",
        var mode => $"verified ({mode}) against {(cluster.SslRootCertificate is null ? "the system's trusted roots" : "the registered root")}"
            + (mode == ClusterSslModes.VerifyFull ? $", name {cluster.Host} matched" : ""),
    };
}
