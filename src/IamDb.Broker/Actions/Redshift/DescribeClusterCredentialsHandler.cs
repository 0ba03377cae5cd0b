using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>DescribeClusterCredentials</c> (IamDb): the issued credentials, newest first, never their passwords; filtered by
/// <c>ClusterIdentifier</c>, <c>PrincipalArn</c> and <c>ActiveOnly</c>, paged by <c>MaxRecords</c> (1..100) and
/// <c>Marker</c>. Authorized as <c>iamdb:DescribeClusterCredentials</c> on the cluster ARN, or <c>*</c> without a cluster.
/// </summary>
internal sealed class DescribeClusterCredentialsHandler(IStateStore store, TimeProvider time) : RedshiftActionHandler
{
    private static readonly StringConstraints PrincipalArn = new(20, 2048);

    public override string Action => "DescribeClusterCredentials";

    /// <summary>active, expired, revoked or reaped (revoked wins over reaped: a revoked role is dropped too).</summary>
    internal static string Status(IssuedCredential credential, DateTimeOffset now) =>
        credential.RevokedAt is not null ? "revoked"
        : credential.ReapedAt is not null ? "reaped"
        : credential.ExpiresAt <= now ? "expired"
        : "active";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.OptionalClusterIdentifier();
        var principal = reader.OptionalString("PrincipalArn", PrincipalArn);
        var activeOnly = reader.OptionalBool("ActiveOnly") ?? false;
        var page = ReadPage(reader, min: 1);
        ThrowIfInvalid(reader);

        RedshiftCluster? cluster = null;
        if (identifier is not null)
        {
            cluster = await FindClusterAsync(store, context, identifier, ct);
            await context.AuthorizeAsync("iamdb:DescribeClusterCredentials", ClusterArn(context, cluster, identifier), ct: ct);
            Require(cluster, identifier);
        }
        else
        {
            await context.AuthorizeAsync("iamdb:DescribeClusterCredentials", "*", ct: ct);
        }

        var now = time.GetUtcNow();
        var query = new CredentialQuery(context.Request.Caller.AccountId)
        {
            ClusterIdentifier = cluster?.ClusterIdentifier,
            PrincipalArn = principal,
            ActiveAt = activeOnly ? now : null,
        };
        Page<IssuedCredential> result;
        try
        {
            result = await store.ReadAsync((r, c) => r.Credentials.ListAsync(query, page, c), ct);
        }
        catch (InvalidMarkerException)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidParameter("Marker", "the marker is not one this operation returned; start without Marker"));
        }

        return new ActionOutcome(w =>
        {
            w.WriteList("Credentials", result.Items, (m, credential) =>
            {
                m.WriteString("DbUser", credential.LoginRoleName);
                m.WriteString("BaseDbUser", credential.DbUser);
                m.WriteString("DbName", credential.DbName);
                m.WriteStringList("DbGroups", credential.DbGroups);
                m.WriteString("PrincipalArn", credential.PrincipalArn);
                m.WriteString("ClusterIdentifier", credential.ClusterIdentifier);
                m.WriteTimestamp("IssuedAt", credential.IssuedAt);
                m.WriteTimestamp("Expiration", credential.ExpiresAt);
                m.WriteString("Status", Status(credential, now));
            });
            w.WriteString("Marker", result.NextMarker);
        });
    }
}
