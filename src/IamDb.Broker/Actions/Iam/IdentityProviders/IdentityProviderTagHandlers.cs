using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.IdentityProviders;

/// <summary>The two kinds of IAM identity provider, named as in their actions (<c>TagSAMLProvider</c>, …).</summary>
internal enum IdentityProviderKind
{
    OpenIdConnect,
    Saml,
}

/// <summary>
/// <c>Tag…</c>/<c>Untag…</c> for OIDC and SAML providers: adds (or overwrites, keys compared case-insensitively) or
/// removes tags, at most 50. The <c>iamdb:map/…</c> tags configure group mapping (see docs/federation.md).
/// </summary>
internal sealed class IdentityProviderTagChangeHandler(IdentityProviderKind kind, bool tag, IStateStore store) : IamActionHandler
{
    public override string Action => $"{(tag ? "Tag" : "Untag")}{IdentityProviderTags.Noun(kind)}";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderTags.ArnParameter(kind), IamParameters.Arn);
        var (added, removed) = reader.ReadTagChange(tag);

        reader.ThrowIfInvalid();
        TagRules.CheckRequest(added);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderTags.RequireArn(kind, context, arn);
        var quota = $"TagsPer{IdentityProviderTags.Noun(kind)}";
        await store.WriteAsync(
            async (w, c) =>
            {
                if (kind == IdentityProviderKind.OpenIdConnect)
                {
                    var provider = await w.IdentityProviders.GetOpenIdConnectProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchOidcProvider(arn);
                    var tags = tag ? TagRules.Merge(provider.Tags, added, quota) : TagRules.Remove(provider.Tags, removed);
                    await w.IdentityProviders.UpdateOpenIdConnectProviderAsync(provider with { Tags = tags }, c);
                }
                else
                {
                    var provider = await w.IdentityProviders.GetSamlProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchSamlProvider(arn);
                    var tags = tag ? TagRules.Merge(provider.Tags, added, quota) : TagRules.Remove(provider.Tags, removed);
                    await w.IdentityProviders.UpdateSamlProviderAsync(provider with { Tags = tags }, c);
                }
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>ListOpenIDConnectProviderTags</c> and <c>ListSAMLProviderTags</c>, paged like the other tag lists.</summary>
internal sealed class ListIdentityProviderTagsHandler(IdentityProviderKind kind, IStateStore store) : IamActionHandler
{
    public override string Action => $"List{IdentityProviderTags.Noun(kind)}Tags";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderTags.ArnParameter(kind), IamParameters.Arn);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderTags.RequireArn(kind, context, arn);
        var tags = await store.ReadAsync(
            async (r, c) => kind == IdentityProviderKind.OpenIdConnect
                ? (await r.IdentityProviders.GetOpenIdConnectProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchOidcProvider(arn)).Tags
                : (await r.IdentityProviders.GetSamlProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchSamlProvider(arn)).Tags,
            ct);
        var items = MemoryPaging.Slice(tags, "tags", page);
        return new ActionOutcome(w =>
        {
            IamXml.WriteTags(w, items.Items);
            IamXml.WritePaging(w, items);
        });
    }
}

/// <summary>What differs between the two kinds in the tag actions.</summary>
internal static class IdentityProviderTags
{
    public static string Noun(IdentityProviderKind kind) => kind == IdentityProviderKind.OpenIdConnect ? "OpenIDConnectProvider" : "SAMLProvider";

    public static string ArnParameter(IdentityProviderKind kind) =>
        kind == IdentityProviderKind.OpenIdConnect ? IdentityProviderRules.OidcArnParameter : IdentityProviderRules.SamlArnParameter;

    public static string RequireArn(IdentityProviderKind kind, ActionContext context, string arn) =>
        kind == IdentityProviderKind.OpenIdConnect ? IdentityProviderRules.RequireOidcArn(context, arn) : IdentityProviderRules.RequireSamlArn(context, arn);
}
