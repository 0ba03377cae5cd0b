using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Attachments;

/// <summary>
/// <c>AttachUserPolicy</c>/<c>DetachUserPolicy</c> and the Group and Role forms, authorized on the principal. A
/// principal holds at most ten managed policies (IAM's default quota).
/// </summary>
internal sealed class AttachmentHandler(PrincipalKind kind, bool attach, IStateStore store) : IamActionHandler
{
    /// <summary>IAM's default quota of managed policies per user, group or role.</summary>
    public const int MaxAttachedPolicies = 10;

    public override string Action => $"{(attach ? "Attach" : "Detach")}{kind}Policy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind, existingUserName: false));
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var account = context.Request.Caller.AccountId;
        await store.WriteAsync(
            async (w, c) =>
            {
                var principal = await IamEntities.RequireAsync(w, account, kind, name, c);
                if (!attach)
                {
                    if (!await w.Policies.DetachAsync(principal.Id, arn, c))
                    {
                        throw IamErrors.NoSuchPolicy(arn);
                    }

                    return;
                }

                _ = await w.Policies.GetAsync(arn, c) ?? throw IamErrors.PolicyNotAttachable(arn);
                var attached = await w.Policies.ListAttachedAsync(principal.Id, null, new PageRequest(MaxItems: PageRequest.MaxMaxItems), c);
                if (attached.Items.Count >= MaxAttachedPolicies && !attached.Items.Any(a => a.PolicyArn == arn))
                {
                    throw IamErrors.LimitExceeded($"Cannot exceed quota for PoliciesPer{kind}: {MaxAttachedPolicies}.");
                }

                await w.Policies.AttachAsync(account, kind, principal.Id, arn, c);
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>ListAttachedUserPolicies</c> and the Group and Role forms.</summary>
internal sealed class ListAttachedPoliciesHandler(PrincipalKind kind, IStateStore store) : IamActionHandler
{
    public override string Action => $"ListAttached{kind}Policies";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind, existingUserName: false));
        var prefix = reader.OptionalString("PathPrefix", IamParameters.PolicyPath);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var attached = await store.ReadAsync(
            async (r, c) =>
            {
                var principal = await IamEntities.RequireAsync(r, context.Request.Caller.AccountId, kind, name, c);
                return await r.Policies.ListAttachedAsync(principal.Id, prefix, page, c);
            },
            ct);
        return new ActionOutcome(w =>
        {
            IamXml.WriteAttachedPolicies(w, "AttachedPolicies", attached.Items);
            IamXml.WritePaging(w, attached);
        });
    }
}

/// <summary>
/// <c>ListEntitiesForPolicy</c>: the users, groups and roles a managed policy is attached to (or, with
/// <c>PolicyUsageFilter=PermissionsBoundary</c>, the users and roles it bounds), filtered by <c>EntityFilter</c> and the
/// entities' <c>PathPrefix</c>.
/// </summary>
internal sealed class ListEntitiesForPolicyHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListEntitiesForPolicy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        var filter = reader.OptionalEnum("EntityFilter", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy");
        var prefix = reader.OptionalString("PathPrefix", IamParameters.Path);
        var usage = reader.OptionalEnum("PolicyUsageFilter", "PermissionsPolicy", "PermissionsBoundary");
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var account = context.Request.Caller.AccountId;
        PrincipalKind? kind = filter is null ? null : Enum.TryParse<PrincipalKind>(filter, out var k) ? k : null;
        var policyKindFilter = filter is "LocalManagedPolicy" or "AWSManagedPolicy";
        var entities = await store.ReadAsync(
            async (r, c) =>
            {
                _ = await r.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                var all = new List<(PrincipalKind Kind, string Id, string Name, string Path)>();
                if (policyKindFilter)
                {
                    return MemoryPaging.Slice(all, "policy-entities", page);
                }

                if (usage == "PermissionsBoundary")
                {
                    all.AddRange((await Pages.ReadAllAsync(x => r.Users.ListAsync(account, null, x, c)))
                        .Where(u => u.PermissionsBoundaryArn == arn).Select(u => (PrincipalKind.User, u.UserId, u.UserName, u.Path)));
                    all.AddRange((await Pages.ReadAllAsync(x => r.Roles.ListAsync(account, null, x, c)))
                        .Where(o => o.PermissionsBoundaryArn == arn).Select(o => (PrincipalKind.Role, o.RoleId, o.RoleName, o.Path)));
                }
                else
                {
                    foreach (var e in await Pages.ReadAllAsync(x => r.Policies.ListEntitiesAsync(account, arn, null, x, c)))
                    {
                        all.Add((e.Kind, e.PrincipalId, e.Name, await PathOfAsync(r, account, e, c)));
                    }
                }

                return MemoryPaging.Slice(
                    [.. all.Where(e => (kind is null || e.Kind == kind) && (prefix is null || e.Path.StartsWith(prefix, StringComparison.Ordinal)))],
                    "policy-entities",
                    page);
            },
            ct);
        return new ActionOutcome(w =>
        {
            WriteKind(w, "PolicyGroups", "Group", entities.Items.Where(e => e.Kind == PrincipalKind.Group));
            WriteKind(w, "PolicyUsers", "User", entities.Items.Where(e => e.Kind == PrincipalKind.User));
            WriteKind(w, "PolicyRoles", "Role", entities.Items.Where(e => e.Kind == PrincipalKind.Role));
            IamXml.WritePaging(w, entities);
        });
    }

    private static async Task<string> PathOfAsync(IStateReader r, string account, PolicyEntity entity, CancellationToken ct) => entity.Kind switch
    {
        PrincipalKind.User => (await r.Users.GetByIdAsync(entity.PrincipalId, ct))?.Path ?? "/",
        PrincipalKind.Role => (await r.Roles.GetByIdAsync(entity.PrincipalId, ct))?.Path ?? "/",
        _ => (await r.Groups.GetAsync(account, entity.Name, ct))?.Path ?? "/",
    };

    private static void WriteKind(
        Aws.Query.QueryXmlWriter w, string listName, string prefix, IEnumerable<(PrincipalKind Kind, string Id, string Name, string Path)> items) =>
        w.WriteList(listName, items, (x, e) =>
        {
            x.WriteString(prefix + "Name", e.Name);
            x.WriteString(prefix + "Id", e.Id);
        });
}
