using IamDb.Broker.State;
using IamDb.Policy.Parsing;

namespace IamDb.Broker.Actions.Iam.Policies;

/// <summary><c>CreatePolicyVersion</c>: the next version (at most five), optionally made the default.</summary>
internal sealed class CreatePolicyVersionHandler(IStateStore store, TimeProvider time) : IamActionHandler
{
    public override string Action => "CreatePolicyVersion";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        var document = reader.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        var setAsDefault = reader.OptionalBool("SetAsDefault") ?? false;
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        PolicyDocuments.Validate(document, PolicyKind.Identity);
        try
        {
            var version = await store.WriteAsync(
                async (w, c) => await w.Policies.CreateVersionAsync(arn, document, setAsDefault, time.GetUtcNow(), c)
                    ?? throw IamErrors.NoSuchPolicy(arn),
                ct);
            return new ActionOutcome(w => w.WriteStructure("PolicyVersion", v => IamXml.WritePolicyVersion(v, version, includeDocument: false))).Recording(("versionId", version.VersionId));
        }
        catch (StateLimitExceededException e) when (e.Quota == "VersionsPerPolicy")
        {
            throw IamErrors.LimitExceeded(
                $"A managed policy can have up to {e.Limit} versions. Before you create a new version, you must delete an existing version.");
        }
    }
}

/// <summary><c>GetPolicyVersion</c>: the version with its document URL-encoded, as AWS returns it.</summary>
internal sealed class GetPolicyVersionHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetPolicyVersion";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        var versionId = reader.RequiredString("VersionId", IamParameters.PolicyVersionId);
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var version = await store.ReadAsync(
            async (r, c) => await r.Policies.GetVersionAsync(arn, versionId, c) ?? throw IamErrors.NoSuchPolicyVersion(arn, versionId),
            ct);
        return new ActionOutcome(w => w.WriteStructure("PolicyVersion", v => IamXml.WritePolicyVersion(v, version)));
    }
}

/// <summary><c>ListPolicyVersions</c>: newest first, without documents.</summary>
internal sealed class ListPolicyVersionsHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListPolicyVersions";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var versions = await store.ReadAsync(
            async (r, c) =>
            {
                _ = await r.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                return MemoryPaging.Slice(await r.Policies.ListVersionsAsync(arn, c), "policy-versions", page);
            },
            ct);
        return new ActionOutcome(w =>
        {
            w.WriteList("Versions", versions.Items, static (v, version) => IamXml.WritePolicyVersion(v, version, includeDocument: false));
            IamXml.WritePaging(w, versions);
        });
    }
}

/// <summary><c>SetDefaultPolicyVersion</c> and <c>DeletePolicyVersion</c> (the default version cannot be deleted).</summary>
internal sealed class PolicyVersionChangeHandler(bool delete, IStateStore store, TimeProvider time) : IamActionHandler
{
    public override string Action => delete ? "DeletePolicyVersion" : "SetDefaultPolicyVersion";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString("PolicyArn", IamParameters.Arn);
        var versionId = reader.RequiredString("VersionId", IamParameters.PolicyVersionId);
        reader.ThrowIfInvalid();
        IamEntities.RequirePolicyArn(arn);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                _ = await w.Policies.GetAsync(arn, c) ?? throw IamErrors.NoSuchPolicy(arn);
                var done = delete
                    ? await w.Policies.DeleteVersionAsync(arn, versionId, c)
                    : await w.Policies.SetDefaultVersionAsync(arn, versionId, time.GetUtcNow(), c);
                if (!done)
                {
                    throw IamErrors.NoSuchPolicyVersion(arn, versionId);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}
