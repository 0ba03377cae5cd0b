using IamDb.Aws.Arns;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;

namespace IamDb.Broker.Actions.Iam.Roles;

/// <summary><c>CreateRole</c>: a role (AROA…) with its trust policy, validated as a trust policy.</summary>
internal sealed class CreateRoleHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IamActionHandler
{
    public override string Action => "CreateRole";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("RoleName", IamParameters.RoleName);
        var path = reader.OptionalString("Path", IamParameters.Path) ?? IamPath.Root;
        var trust = reader.RequiredString("AssumeRolePolicyDocument", IamParameters.PolicyDocument);
        var description = reader.OptionalString("Description", IamParameters.RoleDescription);
        var maxSession = reader.OptionalInt("MaxSessionDuration", IamParameters.MinSessionDuration, IamParameters.MaxSessionDuration);
        var boundary = reader.OptionalString("PermissionsBoundary", IamParameters.Arn);
        var tags = reader.ReadTags();
        reader.ThrowIfInvalid();
        TagRules.CheckRequest(tags);
        if (boundary is not null)
        {
            IamEntities.RequirePolicyArn(boundary);
        }

        var arn = IamEntities.RoleArn(context, path, name);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        PolicyDocuments.Validate(trust, PolicyKind.Trust, name);
        var role = new IamRole(context.Request.Caller.AccountId, ids.NewRoleId(), name, path, arn, time.GetUtcNow(), trust)
        {
            Description = description,
            MaxSessionDuration = maxSession ?? IamParameters.MinSessionDuration,
            PermissionsBoundaryArn = boundary,
            Tags = tags ?? [],
        };
        role = await store.WriteAsync(
            async (w, c) =>
            {
                if (boundary is not null && await w.Policies.GetAsync(boundary, c) is null)
                {
                    throw IamErrors.PolicyNotAttachable(boundary);
                }

                return await w.Roles.CreateAsync(role, c);
            },
            ct);
        return new ActionOutcome(w => w.WriteStructure("Role", r => IamXml.WriteRole(r, role))).Recording(("roleId", role.RoleId), ("arn", role.Arn));
    }
}

/// <summary><c>GetRole</c>.</summary>
internal sealed class GetRoleHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetRole";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("RoleName", IamParameters.RoleName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Role, name, ct);
        var role = await store.ReadAsync((r, c) => IamEntities.RequireRoleAsync(r, context.Request.Caller.AccountId, name, c), ct);
        return new ActionOutcome(w => w.WriteStructure("Role", r => IamXml.WriteRole(r, role)));
    }
}

/// <summary><c>ListRoles</c> with <c>PathPrefix</c> and paging.</summary>
internal sealed class ListRolesHandler(IStateStore store) : PathListHandler<IamRole>(store)
{
    public override string Action => "ListRoles";

    protected override string ResourceType => "role";

    protected override string ListElement => "Roles";

    protected override Task<Page<IamRole>> ListAsync(IStateReader reader, string account, string? prefix, PageRequest page, CancellationToken ct) =>
        reader.Roles.ListAsync(account, prefix, page, ct);

    protected override void Write(QueryXmlWriter writer, IamRole item) => IamXml.WriteRole(writer, item, full: false);
}

/// <summary><c>UpdateRole</c>: description and maximum session duration.</summary>
internal sealed class UpdateRoleHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "UpdateRole";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("RoleName", IamParameters.RoleName);
        var description = reader.OptionalString("Description", IamParameters.RoleDescription);
        var maxSession = reader.OptionalInt("MaxSessionDuration", IamParameters.MinSessionDuration, IamParameters.MaxSessionDuration);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Role, name, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                var role = await IamEntities.RequireRoleAsync(w, context.Request.Caller.AccountId, name, c);
                await w.Roles.UpdateAsync(
                    role with { Description = description ?? role.Description, MaxSessionDuration = maxSession ?? role.MaxSessionDuration }, c);
            },
            ct);

        // The model's UpdateRoleResponse is an empty structure: AWS sends an empty UpdateRoleResult element.
        return new ActionOutcome(static _ => { });
    }
}

/// <summary><c>UpdateAssumeRolePolicy</c>: replaces the trust policy.</summary>
internal sealed class UpdateAssumeRolePolicyHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "UpdateAssumeRolePolicy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("RoleName", IamParameters.RoleName);
        var document = reader.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Role, name, ct);
        PolicyDocuments.Validate(document, PolicyKind.Trust, name);
        await store.WriteAsync(
            async (w, c) =>
            {
                var role = await IamEntities.RequireRoleAsync(w, context.Request.Caller.AccountId, name, c);
                await w.Roles.UpdateAsync(role with { AssumeRolePolicyDocument = document }, c);
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>DeleteRole</c>: refused (DeleteConflict) while policies remain.</summary>
internal sealed class DeleteRoleHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "DeleteRole";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("RoleName", IamParameters.RoleName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, PrincipalKind.Role, name, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                if (!await w.Roles.DeleteAsync(context.Request.Caller.AccountId, name, c))
                {
                    throw IamErrors.NoSuchRole(name);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}
