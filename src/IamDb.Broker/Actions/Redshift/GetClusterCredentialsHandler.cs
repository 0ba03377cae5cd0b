using System.Globalization;
using IamDb.Aws.Arns;
using IamDb.Broker.State;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>GetClusterCredentials</c>: a temporary password for database user <c>DbUser</c>. Authorized as AWS does it:
/// <c>redshift:GetClusterCredentials</c> on the <c>dbuser</c> (and the <c>dbname</c> when <c>DbName</c> is given),
/// <c>redshift:CreateClusterUser</c> on the <c>dbuser</c> with <c>AutoCreate</c>, <c>redshift:JoinGroup</c> on each
/// <c>dbgroup</c>; with the context keys <c>redshift:DbUser</c>, <c>redshift:DbName</c> and <c>redshift:DurationSeconds</c>
/// (so <c>${redshift:DbUser}</c> works in resources). Groups outside the cluster's <c>AllowedDbGroups</c> are refused
/// before the cluster is asked; the cluster then refuses roles that are not plain groups, a privileged DbUser unless the
/// cluster allows privileged users, and a DbName it cannot enforce, and creates a login role for this credential only.
/// </summary>
internal sealed class GetClusterCredentialsHandler(CredentialSettings settings, CredentialIssuer issuer, IStateStore store, TimeProvider time) : RedshiftActionHandler
{
    public override string Action => "GetClusterCredentials";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var dbUser = reader.RequiredDbUser();
        var dbName = reader.OptionalDbName();
        reader.RefuseCustomDomain();
        var identifier = reader.RequiredClusterIdentifier();
        var duration = reader.ReadDurationSeconds(settings.MaxDurationSeconds);
        var autoCreate = reader.OptionalBool("AutoCreate") ?? false;
        var groups = reader.ReadDbGroups();
        ThrowIfInvalid(reader);

        var cluster = await FindClusterAsync(store, context, identifier, ct);
        var id = ResourceIdentifier(cluster, identifier);
        var region = ResourceRegion(context, cluster);
        var account = context.Request.Caller.AccountId;
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["redshift:DbUser"] = [dbUser],
            ["redshift:DurationSeconds"] = [duration.ToString(CultureInfo.InvariantCulture)],
        };
        if (dbName is not null)
        {
            keys["redshift:DbName"] = [dbName];
        }

        var dbUserArn = Arn.RedshiftDbUser(region, account, id, dbUser).ToString();
        await context.AuthorizeAsync("redshift:GetClusterCredentials", dbUserArn, keys, ct);
        if (dbName is not null)
        {
            await context.AuthorizeAsync("redshift:GetClusterCredentials", Arn.RedshiftDbName(region, account, id, dbName).ToString(), keys, ct);
        }

        if (autoCreate)
        {
            await context.AuthorizeAsync("redshift:CreateClusterUser", dbUserArn, keys, ct);
        }

        foreach (var group in groups)
        {
            await context.AuthorizeAsync("redshift:JoinGroup", Arn.RedshiftDbGroup(region, account, id, group).ToString(), keys, ct);
        }

        var found = Require(cluster, identifier);
        CredentialIssuer.RequireAllowedGroups(found, groups);
        var expires = time.GetUtcNow().AddSeconds(duration);
        var request = new CredentialRequest(dbUser, dbName, groups, autoCreate, expires, autoCreate ? "IAMA:" : "IAM:")
        {
            AllowPrivilegedDbUser = found.AllowPrivilegedDbUsers,
        };
        return await issuer.IssueAsync(context, found, request, withRefreshTime: false, ct);
    }
}
