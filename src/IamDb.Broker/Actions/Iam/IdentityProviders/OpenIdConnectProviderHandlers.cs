using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.IdentityProviders;

/// <summary>
/// <c>CreateOpenIDConnectProvider</c>: registers an issuer (<c>https://host[:port][/path]</c>) with its audiences
/// (client ids) and, optionally, the thumbprints of certificates its TLS server may present.
/// </summary>
internal sealed class CreateOpenIdConnectProviderHandler(IStateStore store, TimeProvider time) : IamActionHandler
{
    public override string Action => "CreateOpenIDConnectProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var url = reader.RequiredString("Url", IdentityProviderRules.Url);
        var clientIds = reader.OptionalStringList("ClientIDList", itemConstraints: IdentityProviderRules.ClientId);
        var thumbprints = reader.OptionalStringList("ThumbprintList", itemConstraints: IdentityProviderRules.Thumbprint);
        var tags = reader.ReadTags();
        reader.ThrowIfInvalid();
        var key = OpenIdConnectUrls.Normalize(url, out var urlError) ?? throw IamErrors.InvalidInput(urlError!);
        var checkedClientIds = IdentityProviderRules.CheckClientIds(clientIds ?? []);
        var checkedThumbprints = IdentityProviderRules.CheckThumbprints(thumbprints);
        TagRules.CheckRequest(tags);

        var arn = IdentityProviderArns.OpenIdConnect(context.Request.Caller.AccountId, key);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var provider = new OpenIdConnectProvider(arn, key, checkedClientIds, checkedThumbprints, tags ?? [], time.GetUtcNow());
        provider = await store.WriteAsync((w, c) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(provider, c), ct);
        return new ActionOutcome(w =>
        {
            w.WriteString("OpenIDConnectProviderArn", provider.Arn);
            if (provider.Tags.Count > 0)
            {
                IamXml.WriteTags(w, provider.Tags);
            }
        }).Recording(("openIDConnectProviderArn", provider.Arn));
    }
}

/// <summary><c>GetOpenIDConnectProvider</c>: the url (without its scheme, as AWS answers), client ids, thumbprints, tags.</summary>
internal sealed class GetOpenIdConnectProviderHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetOpenIDConnectProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderRules.OidcArnParameter, IamParameters.Arn);
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireOidcArn(context, arn);
        var provider = await store.ReadAsync((r, c) => r.IdentityProviders.GetOpenIdConnectProviderAsync(arn, c), ct)
            ?? throw IdentityProviderRules.NoSuchOidcProvider(arn);
        return new ActionOutcome(w =>
        {
            w.WriteString("Url", provider.Url);
            w.WriteStringList("ClientIDList", provider.ClientIds);
            w.WriteStringList("ThumbprintList", provider.Thumbprints);
            w.WriteTimestamp("CreateDate", provider.CreateDate);
            IamXml.WriteTags(w, provider.Tags);
        });
    }
}

/// <summary><c>ListOpenIDConnectProviders</c>: every provider's ARN (IAM does not page this list).</summary>
internal sealed class ListOpenIdConnectProvidersHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListOpenIDConnectProviders";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        await context.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        var providers = await store.ReadAsync((r, c) => r.IdentityProviders.ListOpenIdConnectProvidersAsync(context.Request.Caller.AccountId, c), ct);
        return new ActionOutcome(w => w.WriteList("OpenIDConnectProviderList", providers, static (item, p) => item.WriteString("Arn", p.Arn)));
    }
}

/// <summary><c>DeleteOpenIDConnectProvider</c>: from the moment it commits, tokens of that issuer are refused on every node.</summary>
internal sealed class DeleteOpenIdConnectProviderHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "DeleteOpenIDConnectProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderRules.OidcArnParameter, IamParameters.Arn);
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireOidcArn(context, arn);
        if (!await store.WriteAsync((w, c) => w.IdentityProviders.DeleteOpenIdConnectProviderAsync(arn, c), ct))
        {
            throw IdentityProviderRules.NoSuchOidcProvider(arn);
        }

        return ActionOutcome.Empty;
    }
}

/// <summary>
/// <c>AddClientIDToOpenIDConnectProvider</c> and <c>RemoveClientIDFromOpenIDConnectProvider</c>: adding a client id that is
/// there, or removing one that is not, succeeds and changes nothing (as in AWS).
/// </summary>
internal sealed class OpenIdConnectClientIdHandler(bool add, IStateStore store) : IamActionHandler
{
    public override string Action => add ? "AddClientIDToOpenIDConnectProvider" : "RemoveClientIDFromOpenIDConnectProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderRules.OidcArnParameter, IamParameters.Arn);
        var clientId = reader.RequiredString("ClientID", IdentityProviderRules.ClientId);
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireOidcArn(context, arn);
        await store.WriteAsync(
            async (w, c) =>
            {
                var provider = await w.IdentityProviders.GetOpenIdConnectProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchOidcProvider(arn);
                var clientIds = add
                    ? IdentityProviderRules.CheckClientIds(provider.ClientIds.Append(clientId))
                    : [.. provider.ClientIds.Where(id => !string.Equals(id, clientId, StringComparison.Ordinal))];
                await w.IdentityProviders.UpdateOpenIdConnectProviderAsync(provider with { ClientIds = clientIds }, c);
            },
            ct);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>UpdateOpenIDConnectProviderThumbprint</c>: replaces the whole thumbprint list.</summary>
internal sealed class UpdateOpenIdConnectProviderThumbprintHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "UpdateOpenIDConnectProviderThumbprint";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderRules.OidcArnParameter, IamParameters.Arn);
        var thumbprints = reader.RequiredStringList("ThumbprintList", itemConstraints: IdentityProviderRules.Thumbprint);
        reader.ThrowIfInvalid();
        var checkedThumbprints = IdentityProviderRules.CheckThumbprints(thumbprints);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireOidcArn(context, arn);
        await store.WriteAsync(
            async (w, c) =>
            {
                var provider = await w.IdentityProviders.GetOpenIdConnectProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchOidcProvider(arn);
                await w.IdentityProviders.UpdateOpenIdConnectProviderAsync(provider with { Thumbprints = checkedThumbprints }, c);
            },
            ct);
        return ActionOutcome.Empty;
    }
}
