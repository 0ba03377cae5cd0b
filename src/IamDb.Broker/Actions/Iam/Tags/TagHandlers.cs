using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Tags;

/// <summary>
/// <c>TagUser</c>/<c>UntagUser</c> and <c>TagRole</c>/<c>UntagRole</c>: adds (or overwrites, keys compared
/// case-insensitively) or removes tags; at most 50 per entity.
/// </summary>
internal sealed class TagChangeHandler(PrincipalKind kind, bool tag, IStateStore store) : IamActionHandler
{
    public override string Action => $"{(tag ? "Tag" : "Untag")}{kind}";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        var (added, removed) = reader.ReadTagChange(tag);

        reader.ThrowIfInvalid();
        TagRules.CheckRequest(added);
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var quota = $"TagsPer{kind}";
        await store.WriteAsync(
            async (w, c) =>
            {
                if (kind == PrincipalKind.User)
                {
                    var user = await IamEntities.RequireUserAsync(w, context.Request.Caller.AccountId, name, c);
                    var tags = tag ? TagRules.Merge(user.Tags, added, quota) : TagRules.Remove(user.Tags, removed);
                    await w.Users.UpdateAsync(user with { Tags = tags }, c);
                }
                else
                {
                    var role = await IamEntities.RequireRoleAsync(w, context.Request.Caller.AccountId, name, c);
                    var tags = tag ? TagRules.Merge(role.Tags, added, quota) : TagRules.Remove(role.Tags, removed);
                    await w.Roles.UpdateAsync(role with { Tags = tags }, c);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>ListUserTags</c> and <c>ListRoleTags</c>.</summary>
internal sealed class ListTagsHandler(PrincipalKind kind, IStateStore store) : PrincipalListHandler<Tag>(kind, store)
{
    public override string Action => $"List{Kind}Tags";

    protected override async Task<Page<Tag>> ListAsync(IStateReader reader, string account, string name, PageRequest page, CancellationToken ct) =>
        MemoryPaging.Slice(
            Kind == PrincipalKind.User
                ? (await IamEntities.RequireUserAsync(reader, account, name, ct)).Tags
                : (await IamEntities.RequireRoleAsync(reader, account, name, ct)).Tags,
            "tags",
            page);

    protected override void WriteItems(QueryXmlWriter writer, IReadOnlyList<Tag> items) => IamXml.WriteTags(writer, items);
}
