using IamDb.Aws.Arns;
using IamDb.Aws.Identifiers;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;

namespace IamDb.Broker.Actions.Iam.Policies;

/// <summary><c>CreatePolicy</c>: a customer managed policy (ANPA…) whose document becomes its default version v1.</summary>
internal sealed class CreatePolicyHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IamActionHandler
{
    public override string Action => "CreatePolicy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString("PolicyName", IamParameters.PolicyName);
        var path = reader.OptionalString("Path", IamParameters.PolicyPath) ?? IamPath.Root;
        var document = reader.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        var description = reader.OptionalString("Description", IamParameters.PolicyDescription);
        var tags = reader.ReadTags();
        reader.ThrowIfInvalid();
        TagRules.CheckRequest(tags);
        var arn = IamEntities.PolicyArn(context, path, name);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        PolicyDocuments.Validate(document, PolicyKind.Identity);
        var now = time.GetUtcNow();
        var policy = new ManagedPolicy(context.Request.Caller.AccountId, ids.NewPolicyId(), name, path, arn, "v1", now, now)
        {
            Description = description,
            Tags = tags ?? [],
        };
        policy = await store.WriteAsync((w, c) => w.Policies.CreateAsync(policy, document, c), ct);
        return new ActionOutcome(w => w.WriteStructure("Policy", x => IamXml.WritePolicy(x, policy, 0))).Recording(("policyId", policy.PolicyId), ("arn", policy.Arn));
    }
}

/// <summary><c>GetPolicy</c>.</summary>
internal sealed class GetPolicyHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetPolicy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var (policy, usage) = await store.ReadAsync(
            async (r, c) =>
            {
                var policy = await r.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                var usage = await IamEntities.BoundaryUsageAsync(r, context.Request.Caller.AccountId, c);
                return (policy, usage.GetValueOrDefault(arn));
            },
            ct);
        return new ActionOutcome(w => w.WriteStructure("Policy", x => IamXml.WritePolicy(x, policy, usage)));
    }
}

/// <summary>
/// <c>ListPolicies</c>: customer managed policies (<c>Scope</c> Local or All; IamDb has no AWS managed policies, so
/// <c>Scope=AWS</c> is empty), filtered by <c>OnlyAttached</c>, <c>PathPrefix</c> and <c>PolicyUsageFilter</c>.
/// </summary>
internal sealed class ListPoliciesHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListPolicies";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var scope = reader.OptionalEnum("Scope", "All", "AWS", "Local") ?? "All";
        var onlyAttached = reader.OptionalBool("OnlyAttached") ?? false;
        var prefix = reader.OptionalString("PathPrefix", IamParameters.PolicyPath);
        var usageFilter = reader.OptionalEnum("PolicyUsageFilter", "PermissionsPolicy", "PermissionsBoundary");
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, IamEntities.ListResource(context, "policy", prefix), ct: ct);
        var (policies, usage) = await store.ReadAsync(
            async (r, c) =>
            {
                if (scope == "AWS")
                {
                    PageMarker.Decode("policies", page.Marker);
                    return (new Page<ManagedPolicy>([], null), new Dictionary<string, int>());
                }

                var listed = await r.Policies.ListAsync(context.Request.Caller.AccountId, prefix, page, c);
                return (listed, await IamEntities.BoundaryUsageAsync(r, context.Request.Caller.AccountId, c));
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
        return new ActionOutcome(w =>
        {
            w.WriteList("Policies", shown, (x, policy) => IamXml.WritePolicy(x, policy, usage.GetValueOrDefault(policy.Arn), includeTags: false));
            IamXml.WritePaging(w, policies);
        });
    }
}

/// <summary><c>DeletePolicy</c>: refused (DeleteConflict) while attached, while any user or role uses it as its permissions
/// boundary, or while it has versions besides the default.</summary>
internal sealed class DeletePolicyHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "DeletePolicy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                if (!await w.Policies.DeleteAsync(arn, c))
                {
                    throw IamErrors.NoSuchPolicy(arn);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}
