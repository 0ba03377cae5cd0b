using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;

namespace IamDb.Broker.Actions.Iam.InlinePolicies;

/// <summary>Inline policy kinds and AWS's wording per principal kind.</summary>
internal static class InlinePolicyKinds
{
    public static PolicyKind Of(PrincipalKind kind) => kind switch
    {
        PrincipalKind.User => PolicyKind.InlineUser,
        PrincipalKind.Group => PolicyKind.InlineGroup,
        _ => PolicyKind.InlineRole,
    };

    public static AwsErrorException NoSuchPolicy(PrincipalKind kind, string policyName) =>
        IamErrors.NoSuchEntity($"The {kind.ToString().ToLowerInvariant()} policy with name {policyName} cannot be found.");
}

/// <summary>
/// <c>PutUserPolicy</c> and the Group and Role forms: creates or replaces an inline policy. The sizes of all of the
/// principal's inline policies together must stay within IAM's aggregate quota (user 2,048, group 5,120, role 10,240).
/// </summary>
internal sealed class PutInlinePolicyHandler(PrincipalKind kind, IStateStore store) : IamActionHandler
{
    public override string Action => $"Put{kind}Policy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        var policyName = reader.RequiredString("PolicyName", IamParameters.PolicyName);
        var document = reader.RequiredString("PolicyDocument", IamParameters.PolicyDocument);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var policyKind = InlinePolicyKinds.Of(kind);
        PolicyDocuments.Validate(document, policyKind);
        await store.WriteAsync(
            async (w, c) =>
            {
                var principal = await IamEntities.RequireAsync(w, context.Request.Caller.AccountId, kind, name, c);
                var others = await Pages.ReadAllAsync(x => w.InlinePolicies.ListAsync(principal.Id, x, c));
                var total = PolicySizeLimits.Measure(document, policyKind) + others
                    .Where(o => !string.Equals(o.PolicyName, policyName, StringComparison.OrdinalIgnoreCase))
                    .Sum(o => PolicySizeLimits.Measure(o.Document, policyKind));
                PolicyDocuments.ThrowIfTooLarge(PolicySizeLimits.CheckInlineAggregate(total, policyKind, principal.Name));
                await w.InlinePolicies.PutAsync(context.Request.Caller.AccountId, kind, new InlinePolicy(principal.Id, policyName, document), c);
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>GetUserPolicy</c> and the Group and Role forms: the document URL-encoded, as AWS returns it.</summary>
internal sealed class GetInlinePolicyHandler(PrincipalKind kind, IStateStore store) : IamActionHandler
{
    public override string Action => $"Get{kind}Policy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        var policyName = reader.RequiredString("PolicyName", IamParameters.PolicyName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var (principal, policy) = await store.ReadAsync(
            async (r, c) =>
            {
                var principal = await IamEntities.RequireAsync(r, context.Request.Caller.AccountId, kind, name, c);
                var policy = await r.InlinePolicies.GetAsync(principal.Id, policyName, c) ?? throw InlinePolicyKinds.NoSuchPolicy(kind, policyName);
                return (principal, policy);
            },
            ct);
        return new ActionOutcome(w =>
        {
            w.WriteString(IamEntities.NameParameter(kind), principal.Name);
            w.WriteString("PolicyName", policy.PolicyName);
            w.WriteString("PolicyDocument", IamXml.EncodeDocument(policy.Document));
        });
    }
}

/// <summary><c>ListUserPolicies</c> and the Group and Role forms: inline policy names.</summary>
internal sealed class ListInlinePoliciesHandler(PrincipalKind kind, IStateStore store) : PrincipalListHandler<InlinePolicy>(kind, store)
{
    public override string Action => $"List{Kind}Policies";

    protected override async Task<Page<InlinePolicy>> ListAsync(
        IStateReader reader, string account, string name, PageRequest page, CancellationToken ct)
    {
        var principal = await IamEntities.RequireAsync(reader, account, Kind, name, ct);
        return await reader.InlinePolicies.ListAsync(principal.Id, page, ct);
    }

    protected override void WriteItems(QueryXmlWriter writer, IReadOnlyList<InlinePolicy> items) =>
        writer.WriteStringList("PolicyNames", items.Select(x => x.PolicyName));
}

/// <summary><c>DeleteUserPolicy</c> and the Group and Role forms.</summary>
internal sealed class DeleteInlinePolicyHandler(PrincipalKind kind, IStateStore store) : IamActionHandler
{
    public override string Action => $"Delete{kind}Policy";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        var policyName = reader.RequiredString("PolicyName", IamParameters.PolicyName);
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                var principal = await IamEntities.RequireAsync(w, context.Request.Caller.AccountId, kind, name, c);
                if (!await w.InlinePolicies.DeleteAsync(principal.Id, policyName, c))
                {
                    throw InlinePolicyKinds.NoSuchPolicy(kind, policyName);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}
