using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>DescribeClusterCertificate</c> (IamDb): the CA certificate(s) a client verifies the cluster's server certificate with
/// (<c>sslrootcert</c>), i.e. the cluster's registered <c>SslRootCertificate</c> (for the local cluster, the local CA that
/// signed its server certificate), and the cluster's <c>SslMode</c>. A cluster verified against the system's trusted roots,
/// or not verified at all, has no <c>SslRootCertificate</c> element. Authorized as <c>redshift:DescribeClusters</c> on the
/// cluster's ARN: a certificate is public, and whoever may look the cluster's endpoint up may also check who answers there.
/// </summary>
internal sealed class DescribeClusterCertificateHandler(IStateStore store) : RedshiftActionHandler
{
    /// <summary>The IAM action this handler is authorized as.</summary>
    public const string AuthorizedAs = "redshift:DescribeClusters";

    public override string Action => "DescribeClusterCertificate";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.RequiredClusterIdentifier();
        ThrowIfInvalid(reader);

        var cluster = await FindClusterAsync(store, context, identifier, ct);
        await context.AuthorizeAsync(AuthorizedAs, ClusterArn(context, cluster, identifier), ct: ct);
        var found = Require(cluster, identifier);
        return new ActionOutcome(w =>
        {
            w.WriteString("ClusterIdentifier", found.ClusterIdentifier);
            w.WriteString("SslMode", found.SslMode);
            w.WriteString("SslRootCertificate", found.SslRootCertificate);
        }).Recording(("hasCertificate", found.SslRootCertificate is null ? "false" : "true"));
    }
}
