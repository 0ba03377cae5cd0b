using IamDb.Aws.Arns;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Groups;

/// <summary><c>CreateGroup</c>.</summary>
internal sealed class CreateGroupHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IamActionHandler
{
    public override string Action => "CreateGroup";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("GroupName", IamParameters.GroupName);
        var path = reader.OptionalString("Path", IamParameters.Path) ?? IamPath.Root;
        reader.ThrowIfInvalid();
        var arn = IamEntities.GroupArn(context, path, name);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var group = new IamGroup(context.Request.Caller.AccountId, ids.NewGroupId(), name, path, arn, time.GetUtcNow());
        group = await store.WriteAsync((w, c) => w.Groups.CreateAsync(group, c), ct);
        return new ActionOutcome(w => w.WriteStructure("Group", g => IamXml.WriteGroup(g, group))).Recording(("groupId", group.GroupId), ("arn", group.Arn));
    }
}

/// <summary><c>GetGroup</c>: the group and a page of its members.</summary>
internal sealed class GetGroupHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetGroup";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("GroupName", IamParameters.GroupName);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Group, name, ct);
        var (group, users) = await store.ReadAsync(
            async (r, c) =>
            {
                var group = await IamEntities.RequireGroupAsync(r, context.Request.Caller.AccountId, name, c);
                return (group, await r.Groups.ListMembersAsync(group.GroupId, page, c));
            },
            ct);
        return new ActionOutcome(w =>
        {
            w.WriteStructure("Group", g => IamXml.WriteGroup(g, group));
            w.WriteList("Users", users.Items, static (u, user) => IamXml.WriteUser(u, user, full: false));
            IamXml.WritePaging(w, users);
        });
    }
}

/// <summary><c>ListGroups</c> with <c>PathPrefix</c> and paging.</summary>
internal sealed class ListGroupsHandler(IStateStore store) : PathListHandler<IamGroup>(store)
{
    public override string Action => "ListGroups";

    protected override string ResourceType => "group";

    protected override string ListElement => "Groups";

    protected override Task<Page<IamGroup>> ListAsync(IStateReader reader, string account, string? prefix, PageRequest page, CancellationToken ct) =>
        reader.Groups.ListAsync(account, prefix, page, ct);

    protected override void Write(QueryXmlWriter writer, IamGroup item) => IamXml.WriteGroup(writer, item);
}

/// <summary><c>DeleteGroup</c>: refused (DeleteConflict) while it has members or policies.</summary>
internal sealed class DeleteGroupHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "DeleteGroup";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("GroupName", IamParameters.GroupName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Group, name, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                if (!await w.Groups.DeleteAsync(context.Request.Caller.AccountId, name, c))
                {
                    throw IamErrors.NoSuchGroup(name);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>AddUserToGroup</c> and <c>RemoveUserFromGroup</c>, authorized on the group.</summary>
internal sealed class GroupMembershipHandler(bool add, IStateStore store) : IamActionHandler
{
    public override string Action => add ? "AddUserToGroup" : "RemoveUserFromGroup";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var groupName = reader.RequiredString("GroupName", IamParameters.GroupName);
        var userName = reader.RequiredString("UserName", IamParameters.ExistingUserName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Group, groupName, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                var group = await IamEntities.RequireGroupAsync(w, context.Request.Caller.AccountId, groupName, c);
                var user = await IamEntities.RequireUserAsync(w, context.Request.Caller.AccountId, userName, c);
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
        return ActionOutcome.Empty;
    }
}

/// <summary><c>ListGroupsForUser</c>, authorized on the user.</summary>
internal sealed class ListGroupsForUserHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListGroupsForUser";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("UserName", IamParameters.ExistingUserName);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.User, name, ct);
        var groups = await store.ReadAsync(
            async (r, c) =>
            {
                var user = await IamEntities.RequireUserAsync(r, context.Request.Caller.AccountId, name, c);
                return await r.Groups.ListGroupsForUserAsync(user.UserId, page, c);
            },
            ct);
        return new ActionOutcome(w =>
        {
            w.WriteList("Groups", groups.Items, IamXml.WriteGroup);
            IamXml.WritePaging(w, groups);
        });
    }
}
