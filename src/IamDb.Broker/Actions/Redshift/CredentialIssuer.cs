using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// Issues one credential on a cluster. The pipeline records it in the store in the same transaction as the request's audit
/// record, before the answer is sent; a login role whose record could not be written (the request then fails) expires by
/// VALID UNTIL and the reaper still finds it by its marker.
/// </summary>
internal sealed class CredentialIssuer(IClusterAdministration clusters)
{
    /// <param name="context">The request.</param>
    /// <param name="cluster">Where to issue.</param>
    /// <param name="request">What to issue.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="groupsFromTag">The principal tag the groups came from (WithIAM), for the error about a missing group.</param>
    public async Task<IssuedLoginRole> IssueAsync(
        ActionContext context, RedshiftCluster cluster, CredentialRequest request, CancellationToken ct, string? groupsFromTag = null)
    {
        IssuedLoginRole issued;
        try
        {
            issued = await clusters.IssueAsync(cluster.Endpoint(), request, ct);
        }
        catch (ClusterOperationException ex)
        {
            context.Audit.Decisions.Add($"Cluster {cluster.ClusterIdentifier} refused the credential: {ex.Failure}");
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, cluster, request.BaseUser, groupsFromTag));
        }

        context.Audit.IssuedCredential = new IssuedCredential(
            context.RequestId,
            context.Caller.AccountId,
            context.Caller.Arn,
            cluster.ClusterIdentifier,
            request.BaseUser,
            issued.LoginRoleName,
            context.Time.GetUtcNow(),
            issued.ExpiresAt)
        {
            DbName = request.DbName,
            DbGroups = request.DbGroups,
        };
        context.Audit.ResponseElements["dbUser"] = issued.LoginRoleName;
        context.Audit.ResponseElements["expiration"] = issued.ExpiresAt;
        context.Audit.ResponseElements["clusterIdentifier"] = cluster.ClusterIdentifier;
        context.Audit.ResponseElements["baseDbUser"] = request.BaseUser;
        return issued;
    }
}
