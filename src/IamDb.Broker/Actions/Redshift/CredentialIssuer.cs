using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// Issues one credential on a cluster and records it in the store before the caller answers. A credential the store
/// could not record is dropped again at once, so no usable login role exists that the audit trail does not know.
/// </summary>
internal sealed partial class CredentialIssuer(IClusterAdministration clusters, CredentialRecorder recorder, ILogger<CredentialIssuer> logger)
{
    /// <param name="context">The request.</param>
    /// <param name="cluster">Where to issue.</param>
    /// <param name="request">What to issue.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="groupsFromTag">The principal tag the groups came from (WithIAM), for the error about a missing group.</param>
    public async Task<IssuedLoginRole> IssueAsync(
        ActionContext context, RedshiftCluster cluster, CredentialRequest request, CancellationToken ct, string? groupsFromTag = null)
    {
        var endpoint = cluster.Endpoint();
        IssuedLoginRole issued;
        try
        {
            issued = await clusters.IssueAsync(endpoint, request, ct);
        }
        catch (ClusterOperationException ex)
        {
            context.Audit.Decisions.Add($"Cluster {cluster.ClusterIdentifier} refused the credential: {ex.Failure}");
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, cluster, request.BaseUser, groupsFromTag));
        }

        var credential = new IssuedCredential(
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
        try
        {
            await recorder.RecordAsync(credential, ct);
        }
        catch (Exception ex)
        {
            LogUnrecorded(logger, issued.LoginRoleName, cluster.ClusterIdentifier, ex.GetType().Name);
            try
            {
                await clusters.DropLoginRoleAsync(endpoint, issued.LoginRoleName, terminateSessions: true, CancellationToken.None);
            }
            catch (ClusterOperationException dropFailure)
            {
                // The role expires by VALID UNTIL anyway, and the reaper finds it by its marker.
                LogDropFailed(logger, issued.LoginRoleName, cluster.ClusterIdentifier, dropFailure.Failure);
            }

            throw;
        }

        context.Audit.ResponseElements["dbUser"] = issued.LoginRoleName;
        context.Audit.ResponseElements["expiration"] = issued.ExpiresAt;
        context.Audit.ResponseElements["clusterIdentifier"] = cluster.ClusterIdentifier;
        context.Audit.ResponseElements["baseDbUser"] = request.BaseUser;
        return issued;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning,
        Message = "Login role {LoginRole} on cluster {Cluster} could not be recorded ({Error}); dropping it")]
    private static partial void LogUnrecorded(ILogger logger, string loginRole, string cluster, string error);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning,
        Message = "Unrecorded login role {LoginRole} on cluster {Cluster} could not be dropped ({Failure}); the reaper will drop it after it expires")]
    private static partial void LogDropFailed(ILogger logger, string loginRole, string cluster, ClusterFailure failure);
}
