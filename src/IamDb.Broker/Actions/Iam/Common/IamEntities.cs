using IamDb.Aws.Arns;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam;

/// <summary>A user, group or role an action works on: its kind, unique id, name and ARN.</summary>
internal sealed record PrincipalRef(PrincipalKind Kind, string Id, string Name, string Arn);

/// <summary>
/// Entity lookups and authorization resource ARNs shared by IAM handlers. AWS authorizes on the entity's ARN with
/// its path, so handlers resolve the ARN with a read first (a name that does not exist yields the root-path ARN),
/// authorize, and only then write.
/// </summary>
internal static class IamEntities
{
    public static string UserArn(ActionContext context, string path, string name) => Arn.IamUser(context.Request.Caller.AccountId, path, name).ToString();

    public static string GroupArn(ActionContext context, string path, string name) => Arn.IamGroup(context.Request.Caller.AccountId, path, name).ToString();

    public static string RoleArn(ActionContext context, string path, string name) => Arn.IamRole(context.Request.Caller.AccountId, path, name).ToString();

    public static string PolicyArn(ActionContext context, string path, string name) => Arn.IamPolicy(context.Request.Caller.AccountId, path, name).ToString();

    /// <summary>The resource of list actions: <c>arn:aws:iam::ACCOUNT:user/</c> plus the path prefix without its leading slash.</summary>
    public static string ListResource(ActionContext context, string type, string? pathPrefix) =>
        $"arn:aws:iam::{context.Request.Caller.AccountId}:{type}{pathPrefix ?? "/"}";

    /// <summary>Account-wide actions (reports, authorization details) are authorized on <c>*</c>.</summary>
    public const string AnyResource = "*";

    /// <summary>The ARN of the principal named <paramref name="name"/> as it exists now, or its root-path ARN when it does not.</summary>
    public static Task<string> ArnOfAsync(IStateStore store, ActionContext context, PrincipalKind kind, string name, CancellationToken ct) =>
        store.ReadAsync(
            async (r, c) => (await FindAsync(r, context.Request.Caller.AccountId, kind, name, c))?.Arn ?? kind switch
            {
                PrincipalKind.User => UserArn(context, "/", name),
                PrincipalKind.Group => GroupArn(context, "/", name),
                _ => RoleArn(context, "/", name),
            },
            ct);

    /// <summary>Resolves the ARN of <paramref name="name"/> and authorizes <c>iam:<paramref name="action"/></c> on it.</summary>
    public static async Task AuthorizeOnAsync(IStateStore store, ActionContext context, string action, PrincipalKind kind, string name, CancellationToken ct)
    {
        var arn = await ArnOfAsync(store, context, kind, name, ct);
        await context.AuthorizeAsync("iam:" + action, arn, ct: ct);
    }

    public static async Task<PrincipalRef?> FindAsync(IStateReader r, string account, PrincipalKind kind, string name, CancellationToken ct)
    {
        switch (kind)
        {
            case PrincipalKind.User:
                var user = await r.Users.GetAsync(account, name, ct);
                return user is null ? null : new PrincipalRef(kind, user.UserId, user.UserName, user.Arn);
            case PrincipalKind.Group:
                var group = await r.Groups.GetAsync(account, name, ct);
                return group is null ? null : new PrincipalRef(kind, group.GroupId, group.GroupName, group.Arn);
            default:
                var role = await r.Roles.GetAsync(account, name, ct);
                return role is null ? null : new PrincipalRef(kind, role.RoleId, role.RoleName, role.Arn);
        }
    }

    /// <summary>The principal, or AWS's NoSuchEntity ("The user with name X cannot be found.").</summary>
    public static async Task<PrincipalRef> RequireAsync(IStateReader r, string account, PrincipalKind kind, string name, CancellationToken ct) =>
        await FindAsync(r, account, kind, name, ct) ?? throw NoSuch(kind, name);

    public static async Task<IamUser> RequireUserAsync(IStateReader r, string account, string name, CancellationToken ct) =>
        await r.Users.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchUser(name);

    public static async Task<IamGroup> RequireGroupAsync(IStateReader r, string account, string name, CancellationToken ct) =>
        await r.Groups.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchGroup(name);

    public static async Task<IamRole> RequireRoleAsync(IStateReader r, string account, string name, CancellationToken ct) =>
        await r.Roles.GetAsync(account, name, ct) ?? throw IamErrors.NoSuchRole(name);

    public static AwsErrorException NoSuch(PrincipalKind kind, string name) => kind switch
    {
        PrincipalKind.User => IamErrors.NoSuchUser(name),
        PrincipalKind.Group => IamErrors.NoSuchGroup(name),
        _ => IamErrors.NoSuchRole(name),
    };

    /// <summary>The parameter holding the principal's name in actions named after it (<c>UserName</c>, <c>GroupName</c>, <c>RoleName</c>).</summary>
    public static string NameParameter(PrincipalKind kind) => kind + "Name";

    /// <summary>
    /// The constraints of the principal's name parameter. The model types user names of some actions as
    /// <c>existingUserNameType</c> (up to 128) and of others (attachments, boundaries) as <c>userNameType</c> (up to 64).
    /// </summary>
    public static Aws.Query.StringConstraints NameConstraints(PrincipalKind kind, bool existingUserName = true) => kind switch
    {
        PrincipalKind.User => existingUserName ? IamParameters.ExistingUserName : IamParameters.NewUserName,
        PrincipalKind.Group => IamParameters.GroupName,
        _ => IamParameters.RoleName,
    };

    /// <summary>
    /// Checks that <paramref name="arn"/> is an IAM managed-policy ARN (<c>arn:aws:iam::ACCOUNT|aws:policy/…</c>);
    /// otherwise AWS's InvalidInput "ARN x is not valid.".
    /// </summary>
    public static void RequirePolicyArn(string arn)
    {
        if (!Arn.TryParse(arn, out var parsed, out _) || parsed.Service != "iam" || !parsed.Resource.StartsWith("policy/", StringComparison.Ordinal))
        {
            throw IamErrors.InvalidArn(arn);
        }
    }

    /// <summary>How many users and roles use each managed policy as their permissions boundary.</summary>
    public static async Task<Dictionary<string, int>> BoundaryUsageAsync(IStateReader r, string account, CancellationToken ct)
    {
        var usage = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var user in await Pages.ReadAllAsync(p => r.Users.ListAsync(account, null, p, ct)))
        {
            Count(user.PermissionsBoundaryArn);
        }

        foreach (var role in await Pages.ReadAllAsync(p => r.Roles.ListAsync(account, null, p, ct)))
        {
            Count(role.PermissionsBoundaryArn);
        }

        return usage;

        void Count(string? arn)
        {
            if (arn is not null)
            {
                usage[arn] = usage.GetValueOrDefault(arn) + 1;
            }
        }
    }
}
