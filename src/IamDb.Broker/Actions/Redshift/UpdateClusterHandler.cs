using IamDb.Aws.Query;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>UpdateCluster</c> (IamDb): changes a registered cluster's security settings (<c>SslMode</c>, <c>SslRootCertificate</c>
/// — empty removes it —, <c>AllowedDbGroups.member.N</c> — empty <c>AllowedDbGroups=</c> clears it —,
/// <c>AllowPrivilegedDbUsers</c>) and/or the stored admin password (<c>MasterUserPassword</c>, after it was changed on the
/// server). A change to the admin connection is tested first, with the new settings; when that fails nothing changes.
/// </summary>
internal sealed class UpdateClusterHandler(IClusterAdministration clusters, IStateStore store) : RedshiftActionHandler
{
    private static readonly StringConstraints Password = new(1, 1024, sensitive: true);

    public override string Action => "UpdateCluster";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.RequiredClusterIdentifier();
        var settings = reader.ReadClusterSettings();
        var password = reader.OptionalString("MasterUserPassword", Password);
        ThrowIfInvalid(reader);
        if (settings.IsEmpty && password is null)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidCombination(
                "Nothing to update: give at least one of SslMode, SslRootCertificate, AllowedDbGroups, AllowPrivilegedDbUsers, MasterUserPassword."));
        }

        var found = await FindClusterAsync(store, context, identifier, ct);
        await context.AuthorizeAsync("iamdb:UpdateCluster", ClusterArn(context, found, identifier), ct: ct);
        var cluster = Require(found, identifier);
        var updated = settings.ApplyTo(cluster);
        if (password is not null)
        {
            updated = updated with { AdminPassword = new SecretString(password) };
        }

        ClusterPreparation? test = null;
        if (settings.ChangesTls || password is not null)
        {
            try
            {
                test = await clusters.TestAsync(updated.Endpoint(), ct);
            }
            catch (ClusterOperationException ex)
            {
                throw new AwsErrorException(RedshiftErrors.FromCluster(ex, updated, settingsGiven: true));
            }
        }

        if (!await store.WriteAsync((w, c) => w.Clusters.UpdateAsync(updated, c), ct))
        {
            throw new AwsErrorException(RedshiftErrors.ClusterNotFound(identifier));
        }

        return new ActionOutcome(w => w.WriteStructure("Cluster", c => RedshiftXml.WriteCluster(c, updated))).Recording(
            ("clusterIdentifier", updated.ClusterIdentifier),
            ("sslMode", updated.SslMode),
            ("sslRootCertificateChanged", settings.SslRootCertificate is null ? "false" : "true"),
            ("adminPasswordChanged", password is null ? "false" : "true"),
            ("tlsVersion", test?.TlsVersion));
    }
}
