using System.Globalization;
using System.Text;
using IamDb.Aws.Arns;
using IamDb.Aws.Redshift;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Postgres.Credentials;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// <c>GetClusterCredentialsWithIAM</c>: a temporary password for the database user mapped 1:1 to the caller, <c>IAM:name</c>
/// for an IAM user (and its GetSessionToken sessions) or <c>IAMR:role</c> for a role session, created without a password
/// on first use. Authorized as <c>redshift:GetClusterCredentialsWithIAM</c> on <c>dbname:CLUSTER/DB</c>, or
/// <c>dbname:CLUSTER/*</c> without <c>DbName</c>. Groups come from the principal tag <c>RedshiftDbGroups</c>
/// (colon-separated, as Redshift reads it; session tags included), each checked as GetClusterCredentials checks DbGroups.
/// The account root has no IAM name to map and is refused.
/// </summary>
internal sealed class GetClusterCredentialsWithIamHandler(CredentialSettings settings, CredentialIssuer issuer, IStateStore store, TimeProvider time)
    : RedshiftActionHandler
{
    /// <summary>The principal tag Redshift reads database groups from.</summary>
    public const string GroupsTag = "RedshiftDbGroups";

    public override string Action => "GetClusterCredentialsWithIAM";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = Reader(context);
        var dbName = reader.OptionalDbName();
        reader.RefuseCustomDomain();
        var identifier = reader.RequiredClusterIdentifier();
        var duration = reader.ReadDurationSeconds(settings.MaxDurationSeconds);
        ThrowIfInvalid(reader);

        var baseUser = MappedUser(context.Request.Caller);
        var cluster = await FindClusterAsync(store, context, identifier, ct);
        var id = ResourceIdentifier(cluster, identifier);
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["redshift:DurationSeconds"] = [duration.ToString(CultureInfo.InvariantCulture)],
        };
        if (dbName is not null)
        {
            keys["redshift:DbName"] = [dbName];
        }

        var resource = Arn.RedshiftDbName(ResourceRegion(context, cluster), context.Request.Caller.AccountId, id, dbName ?? "*").ToString();
        await context.AuthorizeAsync("redshift:GetClusterCredentialsWithIAM", resource, keys, ct);
        var found = Require(cluster, identifier);

        // The tag comes from the same load of the caller's policies the decision above was taken against.
        var loaded = await context.Authorization.CallerPoliciesAsync(ct);
        var groups = GroupsFromTag(loaded.Principal.Tags);
        CredentialIssuer.RequireAllowedGroups(found, groups, GroupsTag);
        var expires = time.GetUtcNow().AddSeconds(duration);
        var request = new CredentialRequest(baseUser, dbName, groups, AutoCreate: true, expires, "IAM:")
        {
            AllowPrivilegedDbUser = found.AllowPrivilegedDbUsers,
        };
        return await issuer.IssueAsync(context, found, request, withRefreshTime: true, ct, GroupsTag);
    }

    /// <summary><c>IAM:user</c> or <c>IAMR:role</c>; the root (or a name too long for PostgreSQL) is refused.</summary>
    internal static string MappedUser(CallerIdentity caller)
    {
        string name;
        if (caller.Kind == CallerKind.AssumedRole && caller.RoleName is { } role)
        {
            name = "IAMR:" + role;
        }
        else if (!caller.IsRoot && caller.UserName is { } user)
        {
            name = "IAM:" + user;
        }
        else
        {
            throw new AwsErrorException(RedshiftErrors.Unsupported(
                "GetClusterCredentialsWithIAM maps the caller to the database user IAM:<user name> or IAMR:<role name>; the account root "
                + "has no such name. Call it as an IAM user or role, or use GetClusterCredentials with DbUser."));
        }

        if (Encoding.UTF8.GetByteCount(name) > RedshiftNames.MaxIdentifierBytes)
        {
            throw new AwsErrorException(RedshiftErrors.Unsupported(
                $"The database user {name} would be longer than PostgreSQL's {RedshiftNames.MaxIdentifierBytes}-byte limit; "
                + "use GetClusterCredentials with a shorter DbUser."));
        }

        return name;
    }

    /// <summary>The valid group names of the <c>RedshiftDbGroups</c> tag, lower-cased; names that break the rules are skipped.</summary>
    internal static IReadOnlyList<string> GroupsFromTag(IReadOnlyDictionary<string, string> tags)
    {
        var value = tags.FirstOrDefault(t => string.Equals(t.Key, GroupsTag, StringComparison.OrdinalIgnoreCase)).Value;
        if (string.IsNullOrEmpty(value))
        {
            return [];
        }

        return value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(g => g.ToLowerInvariant())
            .Where(g => RedshiftNames.CheckDbGroup(g) is null)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
