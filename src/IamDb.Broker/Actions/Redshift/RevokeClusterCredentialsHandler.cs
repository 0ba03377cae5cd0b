using System.Text;
using IamDb.Aws.Query;
using IamDb.Aws.Redshift;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>RevokeClusterCredentials</c> (IamDb, beyond AWS): ends credentials before their expiry — sessions terminated, login
/// roles dropped, credentials marked revoked. Exactly one scope: <c>LoginRole</c> with <c>ClusterIdentifier</c> (one
/// credential), <c>PrincipalArn</c> (everything issued to that principal, optionally on one <c>ClusterIdentifier</c>), or
/// <c>ClusterIdentifier</c> alone (everything on that cluster). Authorized as <c>iamdb:RevokeClusterCredentials</c> on the
/// cluster ARN, or on <c>*</c> for a principal across clusters.
/// </summary>
internal sealed class RevokeClusterCredentialsHandler(CredentialRevoker revoker, IClusterAdministration clusters, IStateStore store, TimeProvider time) : RedshiftActionHandler
{
    private static readonly StringConstraints PrincipalArn = new(20, 2048);

    public override string Action => "RevokeClusterCredentials";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.OptionalClusterIdentifier();
        var loginRole = reader.OptionalString("LoginRole");
        if (loginRole is not null && (loginRole.Length == 0 || Encoding.UTF8.GetByteCount(loginRole) > RedshiftNames.MaxIdentifierBytes ||
                                      loginRole.Any(char.IsControl) || !loginRole.StartsWith("IAM", StringComparison.Ordinal)))
        {
            reader.ReportInvalid("LoginRole", loginRole, "LoginRole must be the DbUser a GetClusterCredentials call returned (IAM:… or IAMA:…, at most 63 bytes)");
        }

        var principal = reader.OptionalString("PrincipalArn", PrincipalArn);
        ThrowIfInvalid(reader);
        if (loginRole is not null && (identifier is null || principal is not null))
        {
            throw new AwsErrorException(RedshiftErrors.InvalidCombination("LoginRole needs ClusterIdentifier and no PrincipalArn."));
        }

        if (loginRole is null && principal is null && identifier is null)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidCombination(
                "Specify what to revoke: LoginRole with ClusterIdentifier, PrincipalArn (optionally with ClusterIdentifier), or ClusterIdentifier."));
        }

        RedshiftCluster? cluster = null;
        if (identifier is not null)
        {
            cluster = await FindClusterAsync(store, context, identifier, ct);
            await context.AuthorizeAsync("iamdb:RevokeClusterCredentials", ClusterArn(context, cluster, identifier), ct: ct);
            Require(cluster, identifier);
        }
        else
        {
            await context.AuthorizeAsync("iamdb:RevokeClusterCredentials", "*", ct: ct);
        }

        var query = new CredentialQuery(context.Request.Caller.AccountId)
        {
            ClusterIdentifier = cluster?.ClusterIdentifier,
            PrincipalArn = principal,
            LoginRoleName = loginRole,
        };
        var live = await CredentialRevoker.LiveAsync(store, query, ct);
        var now = time.GetUtcNow();
        var revoked = new List<IssuedCredential>();
        if (loginRole is not null && live.Count == 0)
        {
            revoked.Add(await RevokeUnrecordedAsync(context, cluster!, loginRole, now, ct));
        }

        foreach (var group in live.GroupBy(c => c.ClusterIdentifier, StringComparer.OrdinalIgnoreCase))
        {
            var target = cluster ?? await FindClusterAsync(store, context, group.Key, ct);
            if (target is null)
            {
                continue; // deregistered: nothing left to drop
            }

            try
            {
                revoked.AddRange(await revoker.RevokeAsync(store, target, group.ToList(), now, ct));
            }
            catch (ClusterOperationException ex)
            {
                throw new AwsErrorException(RedshiftErrors.FromCluster(ex, target));
            }
        }

        return new ActionOutcome(w => w.WriteList("Revoked", revoked, static (m, credential) =>
        {
            m.WriteString("DbUser", credential.LoginRoleName);
            m.WriteString("ClusterIdentifier", credential.ClusterIdentifier);
            m.WriteString("PrincipalArn", credential.PrincipalArn.Length > 0 ? credential.PrincipalArn : null);
            m.WriteTimestamp("Expiration", credential.ExpiresAt);
        })).Recording(("revoked", revoked.Count), ("loginRoles", string.Join(",", revoked.Select(r => r.LoginRoleName))));
    }

    /// <summary>A login role the store does not know (the store was lost) but the cluster's marker says is IamDb's.</summary>
    private async Task<IssuedCredential> RevokeUnrecordedAsync(
        ActionContext context, RedshiftCluster cluster, string loginRole, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            var endpoint = cluster.Endpoint();
            var managed = (await clusters.ListManagedRolesAsync(endpoint, ct)).FirstOrDefault(r => r.LoginRoleName == loginRole);
            if (managed is null)
            {
                throw new AwsErrorException(new Aws.Errors.AwsError(
                    RedshiftErrors.CredentialNotFoundCode,
                    $"No credential with login role {loginRole} exists on cluster {cluster.ClusterIdentifier}.",
                    404));
            }

            await clusters.DropLoginRoleAsync(endpoint, loginRole, terminateSessions: true, ct);
            return new IssuedCredential(string.Empty, cluster.AccountId, string.Empty, cluster.ClusterIdentifier, managed.BaseUser, loginRole, now, managed.ExpiresAt)
            {
                RevokedAt = now,
                ReapedAt = now,
            };
        }
        catch (ClusterOperationException ex)
        {
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, cluster));
        }
    }
}
