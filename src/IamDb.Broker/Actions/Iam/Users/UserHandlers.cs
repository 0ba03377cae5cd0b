using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Users;

/// <summary><c>CreateUser</c>: a new user (AIDA…) with optional path, permissions boundary and tags.</summary>
internal sealed class CreateUserHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IamActionHandler
{
    public override string Action => "CreateUser";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("UserName", IamParameters.NewUserName);
        var path = reader.OptionalString("Path", IamParameters.Path) ?? IamPath.Root;
        var boundary = reader.OptionalString("PermissionsBoundary", IamParameters.Arn);
        var tags = reader.ReadTags();
        reader.ThrowIfInvalid();
        TagRules.CheckRequest(tags);
        if (boundary is not null)
        {
            IamEntities.RequirePolicyArn(boundary);
        }

        var arn = IamEntities.UserArn(context, path, name);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var user = new IamUser(context.Request.Caller.AccountId, ids.NewUserId(), name, path, arn, time.GetUtcNow())
        {
            PermissionsBoundaryArn = boundary,
            Tags = tags ?? [],
        };
        user = await store.WriteAsync(
            async (w, c) =>
            {
                if (boundary is not null && await w.Policies.GetAsync(boundary, c) is null)
                {
                    throw IamErrors.PolicyNotAttachable(boundary);
                }

                return await w.Users.CreateAsync(user, c);
            },
            ct);
        return new ActionOutcome(w => w.WriteStructure("User", u => IamXml.WriteUser(u, user))).Recording(("userId", user.UserId), ("arn", user.Arn));
    }
}

/// <summary><c>GetUser</c>: the named user, or the caller's own user without <c>UserName</c> (the root shape for root).</summary>
internal sealed class GetUserHandler(IStateStore store, TimeProvider time) : IamActionHandler
{
    public override string Action => "GetUser";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.OptionalString("UserName", IamParameters.ExistingUserName);
        reader.ThrowIfInvalid();
        var account = context.Request.Caller.AccountId;
        if (name is null)
        {
            if (context.Request.Caller.IsRoot)
            {
                await context.AuthorizeAsync(Permission, context.Request.Caller.PrincipalEntityArn, ct: ct);
                var keys = await store.ReadAsync((r, c) => r.AccessKeys.ListAsync(account, null, c), ct);

                // AWS answers root with only UserId (the account), Arn and CreateDate; the account's creation is its first root key.
                var created = keys.Count > 0 ? keys.Min(k => k.CreatedAt) : time.GetUtcNow();
                return new ActionOutcome(w => w.WriteStructure("User", u =>
                {
                    u.WriteString("UserId", account);
                    u.WriteString("Arn", Arn.IamRoot(account).ToString());
                    u.WriteTimestamp("CreateDate", created);
                }));
            }

            name = context.Request.Caller.UserName ?? throw new AwsErrorException(new AwsError(
                AwsErrorCodes.ValidationError, "Must specify userName when calling with non-User credentials", 400));
        }

        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.User, name, ct);
        var user = await store.ReadAsync((r, c) => IamEntities.RequireUserAsync(r, account, name, c), ct);
        return new ActionOutcome(w => w.WriteStructure("User", u => IamXml.WriteUser(u, user)));
    }
}

/// <summary><c>ListUsers</c> with <c>PathPrefix</c> and paging.</summary>
internal sealed class ListUsersHandler(IStateStore store) : PathListHandler<IamUser>(store)
{
    public override string Action => "ListUsers";

    protected override string ResourceType => "user";

    protected override string ListElement => "Users";

    protected override Task<Page<IamUser>> ListAsync(IStateReader reader, string account, string? prefix, PageRequest page, CancellationToken ct) =>
        reader.Users.ListAsync(account, prefix, page, ct);

    protected override void Write(QueryXmlWriter writer, IamUser item) => IamXml.WriteUser(writer, item, full: false);
}

/// <summary><c>UpdateUser</c>: renames (<c>NewUserName</c>) and/or moves (<c>NewPath</c>) a user; its id, keys and memberships stay.</summary>
internal sealed class UpdateUserHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "UpdateUser";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("UserName", IamParameters.ExistingUserName);
        var newPath = reader.OptionalString("NewPath", IamParameters.Path);
        var newName = reader.OptionalString("NewUserName", IamParameters.NewUserName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.User, name, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                var user = await IamEntities.RequireUserAsync(w, context.Request.Caller.AccountId, name, c);
                var path = newPath ?? user.Path;
                var userName = newName ?? user.UserName;
                await w.Users.UpdateAsync(user with { UserName = userName, Path = path, Arn = IamEntities.UserArn(context, path, userName) }, c);
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>DeleteUser</c>: refused (DeleteConflict) while the user has keys, groups or policies.</summary>
internal sealed class DeleteUserHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "DeleteUser";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("UserName", IamParameters.ExistingUserName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.User, name, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                if (!await w.Users.DeleteAsync(context.Request.Caller.AccountId, name, c))
                {
                    throw IamErrors.NoSuchUser(name);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}
