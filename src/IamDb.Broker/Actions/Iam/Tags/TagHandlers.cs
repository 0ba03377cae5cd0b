using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Tags;

/// <summary>
/// <c>TagUser</c>/<c>UntagUser</c> and <c>TagRole</c>/<c>UntagRole</c>: adds (or overwrites, keys compared
/// case-insensitively) or removes tags; at most 50 per entity.
/// </summary>
internal sealed class TagChangeHandler(PrincipalKind kind, bool tag) : IamActionHandler
{
    public override string Action => $"{(tag ? "Tag" : "Untag")}{kind}";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        IReadOnlyList<Tag> added = [];
        IReadOnlyList<string> removed = [];
        if (tag)
        {
            added = p.ReadRequiredTags();
        }
        else
        {
            removed = p.RequiredStringList("TagKeys", itemConstraints: IamParameters.TagKey, maxItems: IamParameters.MaxTags);
        }

        p.ThrowIfInvalid();
        TagRules.CheckRequest(added);
        await IamEntities.AuthorizeOnAsync(ctx, Action, kind, name, ct);
        var quota = $"TagsPer{kind}";
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                if (kind == PrincipalKind.User)
                {
                    var user = await IamEntities.RequireUserAsync(w, ctx.Caller.AccountId, name, c);
                    var tags = tag ? TagRules.Merge(user.Tags, added, quota) : TagRules.Remove(user.Tags, removed);
                    await w.Users.UpdateAsync(user with { Tags = tags }, c);
                }
                else
                {
                    var role = await IamEntities.RequireRoleAsync(w, ctx.Caller.AccountId, name, c);
                    var tags = tag ? TagRules.Merge(role.Tags, added, quota) : TagRules.Remove(role.Tags, removed);
                    await w.Roles.UpdateAsync(role with { Tags = tags }, c);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}

/// <summary><c>ListUserTags</c> and <c>ListRoleTags</c>.</summary>
internal sealed class ListTagsHandler(PrincipalKind kind) : IamActionHandler
{
    public override string Action => $"List{kind}Tags";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(ctx, Action, kind, name, ct);
        var tags = await ctx.Store.ReadAsync(
            async (r, c) => MemoryPaging.Slice(
                kind == PrincipalKind.User
                    ? (await IamEntities.RequireUserAsync(r, ctx.Caller.AccountId, name, c)).Tags
                    : (await IamEntities.RequireRoleAsync(r, ctx.Caller.AccountId, name, c)).Tags,
                "tags",
                page),
            ct);
        return new ActionResult(w =>
        {
            IamXml.WriteTags(w, tags.Items);
            IamXml.WritePaging(w, tags);
        });
    }
}
