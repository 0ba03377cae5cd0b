using IamDb.Aws.Arns;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Groups;

/// <summary><c>CreateGroup</c>.</summary>
internal sealed class CreateGroupHandler : IamActionHandler
{
    public override string Action => "CreateGroup";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("GroupName", IamParameters.GroupName);
        var path = p.OptionalString("Path", IamParameters.Path) ?? IamPath.Root;
        p.ThrowIfInvalid();
        var arn = IamEntities.GroupArn(ctx, path, name);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        var group = new IamGroup(ctx.Caller.AccountId, ctx.Ids.NewGroupId(), name, path, arn, ctx.Time.GetUtcNow());
        group = await ctx.Store.WriteAsync((w, c) => w.Groups.CreateAsync(group, c), ct);
        ctx.Audit.ResponseElements["groupId"] = group.GroupId;
        ctx.Audit.ResponseElements["arn"] = group.Arn;
        return new ActionResult(w => w.WriteStructure("Group", g => IamXml.WriteGroup(g, group)));
    }
}

/// <summary><c>GetGroup</c>: the group and a page of its members.</summary>
internal sealed class GetGroupHandler : IamActionHandler
{
    public override string Action => "GetGroup";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("GroupName", IamParameters.GroupName);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Group, name, ct);
        var (group, users) = await ctx.Store.ReadAsync(
            async (r, c) =>
            {
                var group = await IamEntities.RequireGroupAsync(r, ctx.Caller.AccountId, name, c);
                return (group, await r.Groups.ListMembersAsync(group.GroupId, page, c));
            },
            ct);
        return new ActionResult(w =>
        {
            w.WriteStructure("Group", g => IamXml.WriteGroup(g, group));
            w.WriteList("Users", users.Items, static (u, user) => IamXml.WriteUser(u, user, full: false));
            IamXml.WritePaging(w, users);
        });
    }
}

/// <summary><c>ListGroups</c> with <c>PathPrefix</c> and paging.</summary>
internal sealed class ListGroupsHandler : IamActionHandler
{
    public override string Action => "ListGroups";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var prefix = p.OptionalString("PathPrefix", IamParameters.PathPrefix);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, IamEntities.ListResource(ctx, "group", prefix), ct: ct);
        var groups = await ctx.Store.ReadAsync((r, c) => r.Groups.ListAsync(ctx.Caller.AccountId, prefix, page, c), ct);
        return new ActionResult(w =>
        {
            w.WriteList("Groups", groups.Items, IamXml.WriteGroup);
            IamXml.WritePaging(w, groups);
        });
    }
}

/// <summary><c>DeleteGroup</c>: refused (DeleteConflict) while it has members or policies.</summary>
internal sealed class DeleteGroupHandler : IamActionHandler
{
    public override string Action => "DeleteGroup";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("GroupName", IamParameters.GroupName);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Group, name, ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                if (!await w.Groups.DeleteAsync(ctx.Caller.AccountId, name, c))
                {
                    throw IamErrors.NoSuchGroup(name);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}

/// <summary><c>AddUserToGroup</c> and <c>RemoveUserFromGroup</c>, authorized on the group.</summary>
internal sealed class GroupMembershipHandler(bool add) : IamActionHandler
{
    public override string Action => add ? "AddUserToGroup" : "RemoveUserFromGroup";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var groupName = p.RequiredString("GroupName", IamParameters.GroupName);
        var userName = p.RequiredString("UserName", IamParameters.ExistingUserName);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Group, groupName, ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                var group = await IamEntities.RequireGroupAsync(w, ctx.Caller.AccountId, groupName, c);
                var user = await IamEntities.RequireUserAsync(w, ctx.Caller.AccountId, userName, c);
                if (add)
                {
                    await w.Groups.AddMemberAsync(group.GroupId, user.UserId, c);
                }
                else if (!await w.Groups.RemoveMemberAsync(group.GroupId, user.UserId, c))
                {
                    throw IamErrors.NoSuchEntity($"User {user.UserName} is not in group {group.GroupName}.");
                }
            },
            ct);
        return ActionResult.Empty;
    }
}

/// <summary><c>ListGroupsForUser</c>, authorized on the user.</summary>
internal sealed class ListGroupsForUserHandler : IamActionHandler
{
    public override string Action => "ListGroupsForUser";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("UserName", IamParameters.ExistingUserName);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.User, name, ct);
        var groups = await ctx.Store.ReadAsync(
            async (r, c) =>
            {
                var user = await IamEntities.RequireUserAsync(r, ctx.Caller.AccountId, name, c);
                return await r.Groups.ListGroupsForUserAsync(user.UserId, page, c);
            },
            ct);
        return new ActionResult(w =>
        {
            w.WriteList("Groups", groups.Items, IamXml.WriteGroup);
            IamXml.WritePaging(w, groups);
        });
    }
}
