using IamDb.Aws.Errors;
using IamDb.Broker.State.Redshift;
using IamDb.Broker.Telemetry;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// Issues one credential on a cluster. The pipeline records it in the store in the same transaction as the request's audit
/// record, before the answer is sent; a login role whose record could not be written (the request then fails) expires by
/// VALID UNTIL and the reaper still finds it by its marker.
/// </summary>
internal sealed class CredentialIssuer(IClusterAdministration clusters, TimeProvider time)
{
    /// <summary>
    /// Refuses (<c>InvalidParameterValue</c>) a group the cluster's <c>AllowedDbGroups</c> does not list; an empty list allows
    /// every group the cluster itself accepts. Checked before the cluster is asked, so a refused group costs no round trip.
    /// </summary>
    /// <param name="cluster">The cluster and its settings.</param>
    /// <param name="groups">The groups asked for.</param>
    /// <param name="groupsFromTag">The principal tag the groups came from (WithIAM), for the message.</param>
    public static void RequireAllowedGroups(RedshiftCluster cluster, IReadOnlyList<string> groups, string? groupsFromTag = null)
    {
        foreach (var group in groups)
        {
            if (DbGroupPatterns.IsAllowed(cluster.AllowedDbGroups, group))
            {
                continue;
            }

            var allowed = string.Join(", ", cluster.AllowedDbGroups);
            throw new AwsErrorException(groupsFromTag is null
                ? RedshiftErrors.InvalidParameter(
                    "DbGroups", $"database group {group} is not among the groups cluster {cluster.ClusterIdentifier} allows ({allowed}); leave it out of DbGroups")
                : new AwsError(
                    AwsErrorCodes.InvalidParameterValue,
                    $"Database group {group}, named in the principal tag {groupsFromTag}, is not among the groups cluster {cluster.ClusterIdentifier} "
                    + $"allows ({allowed}); remove it from the tag.",
                    400));
        }
    }

    /// <summary>Issues the credential and returns the action's outcome: the answer (DbUser, DbPassword, Expiration) and the issued credential to record.</summary>
    /// <param name="context">The request.</param>
    /// <param name="cluster">Where to issue.</param>
    /// <param name="request">What to issue.</param>
    /// <param name="withRefreshTime">True to answer <c>NextRefreshTime</c> too (GetClusterCredentialsWithIAM's shape).</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="groupsFromTag">The principal tag the groups came from (WithIAM), for the error about a missing group.</param>
    public async Task<ActionOutcome> IssueAsync(
        ActionContext context, RedshiftCluster cluster, CredentialRequest request, bool withRefreshTime, CancellationToken ct,
        string? groupsFromTag = null)
    {
        IssuedLoginRole issued;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            issued = await clusters.IssueAsync(cluster.Endpoint(), request, ct);
            BrokerMetrics.CredentialIssued(cluster.ClusterIdentifier, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (ClusterOperationException ex)
        {
            BrokerMetrics.CredentialFailed(cluster.ClusterIdentifier, ex.Failure.ToString(), System.Diagnostics.Stopwatch.GetElapsedTime(started));
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, cluster, request.BaseUser, groupsFromTag))
            {
                Notes = [$"Cluster {cluster.ClusterIdentifier} refused the credential: {ex.Failure}"],
            };
        }

        var credential = new IssuedCredential(
            context.Request.RequestId,
            context.Request.Caller.AccountId,
            context.Request.Caller.Arn,
            cluster.ClusterIdentifier,
            request.BaseUser,
            issued.LoginRoleName,
            time.GetUtcNow(),
            issued.ExpiresAt)
        {
            DbName = request.DbName,
            DbGroups = request.DbGroups,
        };
        var outcome = new ActionOutcome(w =>
        {
            w.WriteString("DbUser", issued.LoginRoleName);
            w.WriteString("DbPassword", issued.Password);
            w.WriteTimestamp("Expiration", issued.ExpiresAt);
            if (withRefreshTime)
            {
                w.WriteTimestamp("NextRefreshTime", issued.ExpiresAt);
            }
        })
        {
            IssuedCredential = credential,
        };
        return outcome.Recording(
            ("dbUser", issued.LoginRoleName), ("expiration", issued.ExpiresAt), ("clusterIdentifier", cluster.ClusterIdentifier), ("baseDbUser", request.BaseUser));
    }
}

/// <summary>The broker's limits on database credentials, from its options.</summary>
/// <param name="MaxDurationSeconds">The longest <c>DurationSeconds</c> a credential may ask for.</param>
internal sealed record CredentialSettings(int MaxDurationSeconds);
