using IamDb.Aws.Arns;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;

namespace IamDb.Broker.Actions.Iam.Roles;

/// <summary><c>CreateRole</c>: a role (AROA…) with its trust policy, validated as a trust policy.</summary>
internal sealed class CreateRoleHandler : IamActionHandler
{
    public override string Action => "CreateRole";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("RoleName", IamParameters.RoleName);
        var path = p.OptionalString("Path", IamParameters.Path) ?? IamPath.Root;
        var trust = p.RequiredString("AssumeRolePolicyDocument", IamParameters.PolicyDocument);
        var description = p.OptionalString("Description", IamParameters.RoleDescription);
        var maxSession = p.OptionalInt("MaxSessionDuration", IamParameters.MinSessionDuration, IamParameters.MaxSessionDuration);
        var boundary = p.OptionalString("PermissionsBoundary", IamParameters.Arn);
        var tags = p.ReadTags();
        p.ThrowIfInvalid();
        TagRules.CheckRequest(tags);
        if (boundary is not null)
        {
            IamEntities.RequirePolicyArn(boundary);
        }

        var arn = IamEntities.RoleArn(ctx, path, name);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        PolicyDocuments.Validate(trust, PolicyKind.Trust, name);
        var role = new IamRole(ctx.Caller.AccountId, ctx.Ids.NewRoleId(), name, path, arn, ctx.Time.GetUtcNow(), trust)
        {
            Description = description,
            MaxSessionDuration = maxSession ?? IamParameters.MinSessionDuration,
            PermissionsBoundaryArn = boundary,
            Tags = tags ?? [],
        };
        role = await ctx.Store.WriteAsync(
            async (w, c) =>
            {
                if (boundary is not null && await w.Policies.GetAsync(boundary, c) is null)
                {
                    throw IamErrors.PolicyNotAttachable(boundary);
                }

                return await w.Roles.CreateAsync(role, c);
            },
            ct);
        ctx.Audit.ResponseElements["roleId"] = role.RoleId;
        ctx.Audit.ResponseElements["arn"] = role.Arn;
        return new ActionResult(w => w.WriteStructure("Role", r => IamXml.WriteRole(r, role)));
    }
}

/// <summary><c>GetRole</c>.</summary>
internal sealed class GetRoleHandler : IamActionHandler
{
    public override string Action => "GetRole";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("RoleName", IamParameters.RoleName);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Role, name, ct);
        var role = await ctx.Store.ReadAsync((r, c) => IamEntities.RequireRoleAsync(r, ctx.Caller.AccountId, name, c), ct);
        return new ActionResult(w => w.WriteStructure("Role", r => IamXml.WriteRole(r, role)));
    }
}

/// <summary><c>ListRoles</c> with <c>PathPrefix</c> and paging.</summary>
internal sealed class ListRolesHandler : IamActionHandler
{
    public override string Action => "ListRoles";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var prefix = p.OptionalString("PathPrefix", IamParameters.PathPrefix);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, IamEntities.ListResource(ctx, "role", prefix), ct: ct);
        var roles = await ctx.Store.ReadAsync((r, c) => r.Roles.ListAsync(ctx.Caller.AccountId, prefix, page, c), ct);
        return new ActionResult(w =>
        {
            w.WriteList("Roles", roles.Items, static (r, role) => IamXml.WriteRole(r, role, full: false));
            IamXml.WritePaging(w, roles);
        });
    }
}

/// <summary><c>UpdateRole</c>: description and maximum session duration.</summary>
internal sealed class UpdateRoleHandler : IamActionHandler
{
    public override string Action => "UpdateRole";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("RoleName", IamParameters.RoleName);
        var description = p.OptionalString("Description", IamParameters.RoleDescription);
        var maxSession = p.OptionalInt("MaxSessionDuration", IamParameters.MinSessionDuration, IamParameters.MaxSessionDuration);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Role, name, ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                var role = await IamEntities.RequireRoleAsync(w, ctx.Caller.AccountId, name, c);
                await w.Roles.UpdateAsync(
                    role with { Description = description ?? role.Description, MaxSessionDuration = maxSession ?? role.MaxSessionDuration }, c);
            },
            ct);

        // The model's UpdateRoleResponse is an empty structure: AWS sends an empty UpdateRoleResult element.
        return new ActionResult(static _ => { });
    }
}

/// <summary><c>UpdateAssumeRolePolicy</c>: replaces the trust policy.</summary>
internal sealed class UpdateAssumeRolePolicyHandler : IamActionHandler
{
    public override string Action => "UpdateAssumeRolePolicy";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("RoleName", IamParameters.RoleName);
        var document = p.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Role, name, ct);
        PolicyDocuments.Validate(document, PolicyKind.Trust, name);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                var role = await IamEntities.RequireRoleAsync(w, ctx.Caller.AccountId, name, c);
                await w.Roles.UpdateAsync(role with { AssumeRolePolicyDocument = document }, c);
            },
            ct);
        return ActionResult.Empty;
    }
}

/// <summary><c>DeleteRole</c>: refused (DeleteConflict) while policies remain.</summary>
internal sealed class DeleteRoleHandler : IamActionHandler
{
    public override string Action => "DeleteRole";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("RoleName", IamParameters.RoleName);
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, PrincipalKind.Role, name, ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                if (!await w.Roles.DeleteAsync(ctx.Caller.AccountId, name, c))
                {
                    throw IamErrors.NoSuchRole(name);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}
