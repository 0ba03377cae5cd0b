using IamDb.Broker.State;
using IamDb.Policy.Parsing;

namespace IamDb.Broker.Actions.Iam.Policies;

/// <summary><c>CreatePolicyVersion</c>: the next version (at most five), optionally made the default.</summary>
internal sealed class CreatePolicyVersionHandler : IamActionHandler
{
    public override string Action => "CreatePolicyVersion";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var arn = p.RequiredString("PolicyArn", IamParameters.Arn);
        var document = p.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        var setAsDefault = p.OptionalBool("SetAsDefault") ?? false;
        p.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        PolicyDocuments.Validate(document, PolicyKind.Identity);
        try
        {
            var version = await ctx.Store.WriteAsync(
                async (w, c) => await w.Policies.CreateVersionAsync(arn, document, setAsDefault, ctx.Time.GetUtcNow(), c)
                    ?? throw IamErrors.NoSuchPolicy(arn),
                ct);
            ctx.Audit.ResponseElements["versionId"] = version.VersionId;
            return new ActionResult(w => w.WriteStructure("PolicyVersion", v => IamXml.WritePolicyVersion(v, version, includeDocument: false)));
        }
        catch (StateLimitExceededException e) when (e.Quota == "VersionsPerPolicy")
        {
            throw IamErrors.LimitExceeded(
                $"A managed policy can have up to {e.Limit} versions. Before you create a new version, you must delete an existing version.");
        }
    }
}

/// <summary><c>GetPolicyVersion</c>: the version with its document URL-encoded, as AWS returns it.</summary>
internal sealed class GetPolicyVersionHandler : IamActionHandler
{
    public override string Action => "GetPolicyVersion";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var arn = p.RequiredString("PolicyArn", IamParameters.Arn);
        var versionId = p.RequiredString("VersionId", IamParameters.PolicyVersionId);
        p.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        var version = await ctx.Store.ReadAsync(
            async (r, c) => await r.Policies.GetVersionAsync(arn, versionId, c) ?? throw IamErrors.NoSuchPolicyVersion(arn, versionId),
            ct);
        return new ActionResult(w => w.WriteStructure("PolicyVersion", v => IamXml.WritePolicyVersion(v, version)));
    }
}

/// <summary><c>ListPolicyVersions</c>: newest first, without documents.</summary>
internal sealed class ListPolicyVersionsHandler : IamActionHandler
{
    public override string Action => "ListPolicyVersions";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var arn = p.RequiredString("PolicyArn", IamParameters.Arn);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        var versions = await ctx.Store.ReadAsync(
            async (r, c) =>
            {
                _ = await r.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                return MemoryPaging.Slice(await r.Policies.ListVersionsAsync(arn, c), "policy-versions", page);
            },
            ct);
        return new ActionResult(w =>
        {
            w.WriteList("Versions", versions.Items, static (v, version) => IamXml.WritePolicyVersion(v, version, includeDocument: false));
            IamXml.WritePaging(w, versions);
        });
    }
}

/// <summary><c>SetDefaultPolicyVersion</c> and <c>DeletePolicyVersion</c> (the default version cannot be deleted).</summary>
internal sealed class PolicyVersionChangeHandler(bool delete) : IamActionHandler
{
    public override string Action => delete ? "DeletePolicyVersion" : "SetDefaultPolicyVersion";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var arn = p.RequiredString("PolicyArn", IamParameters.Arn);
        var versionId = p.RequiredString("VersionId", IamParameters.PolicyVersionId);
        p.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await ctx.AuthorizeAsync(Permission, arn, ct: ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                _ = await w.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                var done = delete
                    ? await w.Policies.DeleteVersionAsync(arn, versionId, c)
                    : await w.Policies.SetDefaultVersionAsync(arn, versionId, ctx.Time.GetUtcNow(), c);
                if (!done)
                {
                    throw IamErrors.NoSuchPolicyVersion(arn, versionId);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}
