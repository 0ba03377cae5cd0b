using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>DeregisterCluster</c> (IamDb): forgets a cluster. Its live credentials are revoked first when the server can be
/// reached (sessions terminated, login roles dropped); when it cannot, they are marked revoked and their roles stay on
/// the server until PostgreSQL's VALID UNTIL refuses them anyway. The server itself is left running.
/// </summary>
internal sealed class DeregisterClusterHandler(CredentialRevoker revoker, IStateStore store, TimeProvider time) : RedshiftActionHandler
{
    public override string Action => "DeregisterCluster";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.RequiredClusterIdentifier();
        ThrowIfInvalid(reader);

        var cluster = await FindClusterAsync(store, context, identifier, ct);
        await context.AuthorizeAsync("iamdb:DeregisterCluster", ClusterArn(context, cluster, identifier), ct: ct);
        var found = Require(cluster, identifier);
        var now = time.GetUtcNow();
        var live = await CredentialRevoker.LiveAsync(
            store, new CredentialQuery(found.AccountId) { ClusterIdentifier = found.ClusterIdentifier }, ct);
        var dropped = 0;
        IReadOnlyList<string> notes = [];
        try
        {
            dropped = (await revoker.RevokeAsync(store, found, live, now, ct)).Count;
        }
        catch (ClusterOperationException ex)
        {
            notes = [$"Cluster {found.ClusterIdentifier} could not drop its login roles ({ex.Failure}); marked revoked only"];
        }

        await store.WriteAsync(
            async (w, c) =>
            {
                foreach (var credential in live.Where(x => x.RevokedAt is null))
                {
                    await w.Credentials.RevokeAsync(credential.RequestId, now, c);
                }

                await w.Clusters.DeleteAsync(found.AccountId, found.ClusterIdentifier, c);
            },
            ct);
        var outcome = new ActionOutcome(w => w.WriteStructure("Cluster", c => RedshiftXml.WriteCluster(c, found))) { Notes = notes };
        return outcome.Recording(("clusterIdentifier", found.ClusterIdentifier), ("revokedCredentials", live.Count), ("droppedLoginRoles", dropped));
    }
}
