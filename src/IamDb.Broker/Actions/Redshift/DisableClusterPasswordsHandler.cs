using System.Globalization;
using IamDb.Aws.Redshift;
using IamDb.Broker.State;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>DisableClusterPasswords</c> (IamDb): removes password login from the cluster's ordinary users (all of them, or the
/// <c>DbUsers.DbUser.N</c> named), the end state where access is only through temporary credentials. Superusers, the
/// admin and IamDb's own roles are refused, as Redshift refuses to disable a superuser's password. The users' direct
/// CONNECT grants go too (<c>ConnectRevokedOn</c>), so their credentials can be scoped to one database. <c>DryRun=true</c>
/// reports what would change without changing it.
/// </summary>
internal sealed class DisableClusterPasswordsHandler(IClusterAdministration clusters, IStateStore store) : RedshiftActionHandler
{
    public override string Action => "DisableClusterPasswords";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var identifier = reader.RequiredClusterIdentifier();
        var users = reader.OptionalStringList("DbUsers", "DbUser", maxItems: 1000) ?? [];
        for (var i = 0; i < users.Count; i++)
        {
            if (RedshiftNames.CheckName(users[i], lowercaseOnly: false) is { } problem)
            {
                reader.ReportInvalid($"DbUsers.DbUser.{(i + 1).ToString(CultureInfo.InvariantCulture)}", users[i], "DbUsers " + problem);
            }
        }

        var dryRun = reader.OptionalBool("DryRun") ?? false;
        ThrowIfInvalid(reader);

        var cluster = await FindClusterAsync(store, context, identifier, ct);
        await context.AuthorizeAsync("iamdb:DisableClusterPasswords", ClusterArn(context, cluster, identifier), ct: ct);
        var found = Require(cluster, identifier);
        IReadOnlyList<PasswordChange> changes;
        try
        {
            changes = await clusters.DisablePasswordsAsync(found.Endpoint(), users.Distinct(StringComparer.Ordinal).ToList(), dryRun, ct);
        }
        catch (ClusterOperationException ex)
        {
            throw new AwsErrorException(RedshiftErrors.FromCluster(ex, found));
        }

        return new ActionOutcome(w => w.WriteList("Changes", changes, static (m, change) =>
        {
            m.WriteString("DbUser", change.RoleName);
            m.WriteBoolean("Changed", change.Changed);
            m.WriteString("Reason", change.Reason);
            if (change.ConnectRevokedOn.Count > 0)
            {
                m.WriteStringList("ConnectRevokedOn", change.ConnectRevokedOn);
            }
        })).Recording(("dryRun", dryRun), ("changed", string.Join(",", changes.Where(c => c.Changed).Select(c => c.RoleName))));
    }
}
