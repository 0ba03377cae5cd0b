using IamDb.Aws.Arns;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;

namespace IamDb.Broker.Actions.Iam.Policies;

/// <summary><c>CreatePolicy</c>: a customer managed policy (ANPA…) whose document becomes its default version v1.</summary>
internal sealed class CreatePolicyHandler : IamActionHandler
{
    public override string Action => "CreatePolicy";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString("PolicyName", IamParameters.PolicyName);
        var path = p.OptionalString("Path", IamParameters.PolicyPath) ?? IamPath.Root;
        var document = p.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        var description = p.OptionalString("Description", IamParameters.PolicyDescription);
        var tags = p.ReadTags();
        p.ThrowIfInvalid();
        TagRules.CheckRequest(tags);
        var arn = IamEntities.PolicyArn(ctx, path, name);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        PolicyDocuments.Validate(document, PolicyKind.Identity);
        var now = ctx.Time.GetUtcNow();
        var policy = new ManagedPolicy(ctx.Caller.AccountId, ctx.Ids.NewPolicyId(), name, path, arn, "v1", now, now)
        {
            Description = description,
            Tags = tags ?? [],
        };
        policy = await ctx.Store.WriteAsync((w, c) => w.Policies.CreateAsync(policy, document, c), ct);
        ctx.Audit.ResponseElements["policyId"] = policy.PolicyId;
        ctx.Audit.ResponseElements["arn"] = policy.Arn;
        return new ActionResult(w => w.WriteStructure("Policy", x => IamXml.WritePolicy(x, policy, 0)));
    }
}

/// <summary><c>GetPolicy</c>.</summary>
internal sealed class GetPolicyHandler : IamActionHandler
{
    public override string Action => "GetPolicy";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var arn = p.RequiredString("PolicyArn", IamParameters.Arn);
        p.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        var (policy, usage) = await ctx.Store.ReadAsync(
            async (r, c) =>
            {
                var policy = await r.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                var usage = await IamEntities.BoundaryUsageAsync(r, ctx.Caller.AccountId, c);
                return (policy, usage.GetValueOrDefault(arn));
            },
            ct);
        return new ActionResult(w => w.WriteStructure("Policy", x => IamXml.WritePolicy(x, policy, usage)));
    }
}

/// <summary>
/// <c>ListPolicies</c>: customer managed policies (<c>Scope</c> Local or All; IamDb has no AWS managed policies, so
/// <c>Scope=AWS</c> is empty), filtered by <c>OnlyAttached</c>, <c>PathPrefix</c> and <c>PolicyUsageFilter</c>.
/// </summary>
internal sealed class ListPoliciesHandler : IamActionHandler
{
    public override string Action => "ListPolicies";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var scope = p.OptionalEnum("Scope", "All", "AWS", "Local") ?? "All";
        var onlyAttached = p.OptionalBool("OnlyAttached") ?? false;
        var prefix = p.OptionalString("PathPrefix", IamParameters.PolicyPath);
        var usageFilter = p.OptionalEnum("PolicyUsageFilter", "PermissionsPolicy", "PermissionsBoundary");
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, IamEntities.ListResource(ctx, "policy", prefix), ct: ct);
        var (policies, usage) = await ctx.Store.ReadAsync(
            async (r, c) =>
            {
                if (scope == "AWS")
                {
                    PageMarker.Decode("policies", page.Marker);
                    return (new Page<ManagedPolicy>([], null), new Dictionary<string, int>());
                }

                var listed = await r.Policies.ListAsync(ctx.Caller.AccountId, prefix, page, c);
                return (listed, await IamEntities.BoundaryUsageAsync(r, ctx.Caller.AccountId, c));
            },
            ct);

        // Filters apply within the store's page: a page may hold fewer than MaxItems, as AWS allows.
        var shown = policies.Items.Where(x =>
            (!onlyAttached || x.AttachmentCount > 0)
            && usageFilter switch
            {
                "PermissionsPolicy" => x.AttachmentCount > 0,
                "PermissionsBoundary" => usage.GetValueOrDefault(x.Arn) > 0,
                _ => true,
            }).ToList();
        return new ActionResult(w =>
        {
            w.WriteList("Policies", shown, (x, policy) => IamXml.WritePolicy(x, policy, usage.GetValueOrDefault(policy.Arn), includeTags: false));
            IamXml.WritePaging(w, policies);
        });
    }
}

/// <summary><c>DeletePolicy</c>: refused (DeleteConflict) while attached, while any user or role uses it as its permissions
/// boundary, or while it has versions besides the default.</summary>
internal sealed class DeletePolicyHandler : IamActionHandler
{
    public override string Action => "DeletePolicy";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var arn = p.RequiredString("PolicyArn", IamParameters.Arn);
        p.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                if (!await w.Policies.DeleteAsync(arn, c))
                {
                    throw IamErrors.NoSuchPolicy(arn);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}
