using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Users;

/// <summary><c>CreateUser</c>: a new user (AIDA…) with optional path, permissions boundary and tags.</summary>
internal sealed class CreateUserHandler : IamActionHandler
{
    public override string Action => "CreateUser";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("UserName", IamParameters.NewUserName);
        var path = p.OptionalString("Path", IamParameters.Path) ?? IamPath.Root;
        var boundary = p.OptionalString("PermissionsBoundary", IamParameters.Arn);
        var tags = p.ReadTags();
        p.ThrowIfInvalid();
        TagRules.CheckRequest(tags);
        if (boundary is not null)
        {
            IamEntities.RequirePolicyArn(boundary);
        }

        var arn = IamEntities.UserArn(ctx, path, name);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        var user = new IamUser(ctx.Caller.AccountId, ctx.Ids.NewUserId(), name, path, arn, ctx.Time.GetUtcNow())
        {
            PermissionsBoundaryArn = boundary,
            Tags = tags ?? [],
        };
        user = await ctx.Store.WriteAsync(
            async (w, c) =>
            {
                if (boundary is not null && await w.Policies.GetAsync(boundary, c) is null)
                {
                    throw IamErrors.PolicyNotAttachable(boundary);
                }

                return await w.Users.CreateAsync(user, c);
            },
            ct);
        ctx.Audit.ResponseElements["userId"] = user.UserId;
        ctx.Audit.ResponseElements["arn"] = user.Arn;
        return new ActionResult(w => w.WriteStructure("User", u => IamXml.WriteUser(u, user)));
    }
}

/// <summary><c>GetUser</c>: the named user, or the caller's own user without <c>UserName</c> (the root shape for root).</summary>
internal sealed class GetUserHandler : IamActionHandler
{
    public override string Action => "GetUser";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.OptionalString("UserName", IamParameters.ExistingUserName);
        p.ThrowIfInvalid();
        var account = ctx.Caller.AccountId;
        if (name is null)
        {
            if (ctx.Caller.IsRoot)
            {
                await ctx.AuthorizeAsync(Permission, ctx.Caller.PrincipalEntityArn, ct: ct);
                var keys = await ctx.Store.ReadAsync((r, c) => r.AccessKeys.ListAsync(account, null, c), ct);

                // AWS answers root with only UserId (the account), Arn and CreateDate; the account's creation is its first root key.
                var created = keys.Count > 0 ? keys.Min(k => k.CreatedAt) : ctx.Time.GetUtcNow();
                return new ActionResult(w => w.WriteStructure("User", u =>
                {
                    u.WriteString("UserId", account);
                    u.WriteString("Arn", Arn.IamRoot(account).ToString());
                    u.WriteTimestamp("CreateDate", created);
                }));
            }

            name = ctx.Caller.UserName ?? throw new AwsErrorException(new AwsError(
                AwsErrorCodes.ValidationError, "Must specify userName when calling with non-User credentials", 400));
        }

        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.User, name, ct);
        var user = await ctx.Store.ReadAsync((r, c) => IamEntities.RequireUserAsync(r, account, name, c), ct);
        return new ActionResult(w => w.WriteStructure("User", u => IamXml.WriteUser(u, user)));
    }
}

/// <summary><c>ListUsers</c> with <c>PathPrefix</c> and paging.</summary>
internal sealed class ListUsersHandler : IamActionHandler
{
    public override string Action => "ListUsers";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var prefix = p.OptionalString("PathPrefix", IamParameters.PathPrefix);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, IamEntities.ListResource(ctx, "user", prefix), ct: ct);
        var users = await ctx.Store.ReadAsync((r, c) => r.Users.ListAsync(ctx.Caller.AccountId, prefix, page, c), ct);
        return new ActionResult(w =>
        {
            w.WriteList("Users", users.Items, static (u, user) => IamXml.WriteUser(u, user, full: false));
            IamXml.WritePaging(w, users);
        });
    }
}

/// <summary><c>UpdateUser</c>: renames (<c>NewUserName</c>) and/or moves (<c>NewPath</c>) a user; its id, keys and memberships stay.</summary>
internal sealed class UpdateUserHandler : IamActionHandler
{
    public override string Action => "UpdateUser";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("UserName", IamParameters.ExistingUserName);
        var newPath = p.OptionalString("NewPath", IamParameters.Path);
        var newName = p.OptionalString("NewUserName", IamParameters.NewUserName);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.User, name, ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                var user = await IamEntities.RequireUserAsync(w, ctx.Caller.AccountId, name, c);
                var path = newPath ?? user.Path;
                var userName = newName ?? user.UserName;
                await w.Users.UpdateAsync(user with { UserName = userName, Path = path, Arn = IamEntities.UserArn(ctx, path, userName) }, c);
            },
            ct);
        return ActionResult.Empty;
    }
}

/// <summary><c>DeleteUser</c>: refused (DeleteConflict) while the user has keys, groups or policies.</summary>
internal sealed class DeleteUserHandler : IamActionHandler
{
    public override string Action => "DeleteUser";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("UserName", IamParameters.ExistingUserName);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.User, name, ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                if (!await w.Users.DeleteAsync(ctx.Caller.AccountId, name, c))
                {
                    throw IamErrors.NoSuchUser(name);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}
