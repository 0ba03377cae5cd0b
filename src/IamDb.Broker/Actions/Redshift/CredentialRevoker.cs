using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// Revocation: terminates the sessions of each credential's login role, drops the role, and marks the credential revoked
/// (and reaped, since its role is gone) in the store. Credentials are handled one by one and each is marked as soon as
/// its role is gone, so a failure midway leaves the store telling the truth about what was done.
/// </summary>
internal sealed class CredentialRevoker(IClusterAdministration clusters)
{
    /// <summary>The credentials of <paramref name="cluster"/> whose roles were dropped; throws the first cluster failure after marking those.</summary>
    public async Task<IReadOnlyList<IssuedCredential>> RevokeAsync(
        IStateStore store, RedshiftCluster cluster, IReadOnlyList<IssuedCredential> credentials, DateTimeOffset now, CancellationToken ct)
    {
        var endpoint = cluster.Endpoint();
        var revoked = new List<IssuedCredential>(credentials.Count);
        foreach (var credential in credentials)
        {
            await clusters.DropLoginRoleAsync(endpoint, credential.LoginRoleName, terminateSessions: true, ct);
            await store.WriteAsync(
                async (w, c) =>
                {
                    await w.Credentials.RevokeAsync(credential.RequestId, now, c);
                    await w.Credentials.MarkReapedAsync(credential.RequestId, now, c);
                },
                CancellationToken.None);
            revoked.Add(credential with { RevokedAt = credential.RevokedAt ?? now, ReapedAt = now });
        }

        return revoked;
    }

    /// <summary>Every credential matching <paramref name="query"/> whose login role may still exist (not yet reaped).</summary>
    public static Task<List<IssuedCredential>> LiveAsync(IStateStore store, CredentialQuery query, CancellationToken ct) =>
        store.ReadAsync(
            async (r, c) => (await Pages.ReadAllAsync(p => r.Credentials.ListAsync(query, p, c))).Where(x => x.ReapedAt is null).ToList(),
            ct);
}
