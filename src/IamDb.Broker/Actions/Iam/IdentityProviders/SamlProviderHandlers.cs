using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.IdentityProviders;

/// <summary>
/// <c>CreateSAMLProvider</c>: registers an identity provider by its SAML 2.0 metadata document, which is checked with the
/// same parser sign-in uses (entity id, at least one signing certificate) so a document that could never verify an
/// assertion is refused here.
/// </summary>
internal sealed class CreateSamlProviderHandler(IStateStore store, TimeProvider time) : IamActionHandler
{
    public override string Action => "CreateSAMLProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var document = reader.RequiredString("SAMLMetadataDocument", IdentityProviderRules.SamlMetadataDocument);
        var name = reader.RequiredString("Name", IdentityProviderRules.SamlName);
        var tags = reader.ReadTags();
        reader.ThrowIfInvalid();
        IdentityProviderRules.RefuseAssertionEncryption(reader);
        TagRules.CheckRequest(tags);
        var arn = IdentityProviderArns.Saml(context.Request.Caller.AccountId, name);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        var validUntil = IdentityProviderRules.CheckMetadata(document);
        var provider = new SamlProvider(arn, name, document, time.GetUtcNow(), validUntil, tags ?? []);
        provider = await store.WriteAsync((w, c) => w.IdentityProviders.CreateSamlProviderAsync(provider, c), ct);
        return new ActionOutcome(w =>
        {
            w.WriteString("SAMLProviderArn", provider.Arn);
            if (provider.Tags.Count > 0)
            {
                IamXml.WriteTags(w, provider.Tags);
            }
        }).Recording(("sAMLProviderArn", provider.Arn));
    }
}

/// <summary><c>GetSAMLProvider</c>: the metadata document as stored, its dates and tags.</summary>
internal sealed class GetSamlProviderHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetSAMLProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderRules.SamlArnParameter, IamParameters.Arn);
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireSamlArn(context, arn);
        var provider = await store.ReadAsync((r, c) => r.IdentityProviders.GetSamlProviderAsync(arn, c), ct)
            ?? throw IdentityProviderRules.NoSuchSamlProvider(arn);
        return new ActionOutcome(w =>
        {
            w.WriteString("SAMLMetadataDocument", provider.MetadataDocument);
            w.WriteTimestamp("CreateDate", provider.CreateDate);
            w.WriteTimestamp("ValidUntil", provider.ValidUntil);
            IamXml.WriteTags(w, provider.Tags);
        });
    }
}

/// <summary><c>ListSAMLProviders</c>: ARN, valid-until and creation date of each (IAM does not page this list).</summary>
internal sealed class ListSamlProvidersHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListSAMLProviders";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        await context.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        var providers = await store.ReadAsync((r, c) => r.IdentityProviders.ListSamlProvidersAsync(context.Request.Caller.AccountId, c), ct);
        return new ActionOutcome(w => w.WriteList("SAMLProviderList", providers, static (item, p) =>
        {
            item.WriteString("Arn", p.Arn);
            item.WriteTimestamp("ValidUntil", p.ValidUntil);
            item.WriteTimestamp("CreateDate", p.CreateDate);
        }));
    }
}

/// <summary>
/// <c>UpdateSAMLProvider</c>: replaces the metadata document, and with it the certificates assertions are verified
/// against (how an identity provider's signing key is rotated). Without a document nothing changes.
/// </summary>
internal sealed class UpdateSamlProviderHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "UpdateSAMLProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var document = reader.OptionalString("SAMLMetadataDocument", IdentityProviderRules.SamlMetadataDocument);
        var arn = reader.RequiredString(IdentityProviderRules.SamlArnParameter, IamParameters.Arn);
        reader.ThrowIfInvalid();
        IdentityProviderRules.RefuseAssertionEncryption(reader);
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireSamlArn(context, arn);
        DateTimeOffset? validUntil = document is null ? null : IdentityProviderRules.CheckMetadata(document);
        await store.WriteAsync(
            async (w, c) =>
            {
                var provider = await w.IdentityProviders.GetSamlProviderAsync(arn, c) ?? throw IdentityProviderRules.NoSuchSamlProvider(arn);
                if (document is not null)
                {
                    await w.IdentityProviders.UpdateSamlProviderAsync(provider with { MetadataDocument = document, ValidUntil = validUntil }, c);
                }
            },
            ct);
        return new ActionOutcome(w => w.WriteString("SAMLProviderArn", arn));
    }
}

/// <summary><c>DeleteSAMLProvider</c>: from the moment it commits, its assertions are refused on every node.</summary>
internal sealed class DeleteSamlProviderHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "DeleteSAMLProvider";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var arn = reader.RequiredString(IdentityProviderRules.SamlArnParameter, IamParameters.Arn);
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, arn, ct: ct);
        arn = IdentityProviderRules.RequireSamlArn(context, arn);
        if (!await store.WriteAsync((w, c) => w.IdentityProviders.DeleteSamlProviderAsync(arn, c), ct))
        {
            throw IdentityProviderRules.NoSuchSamlProvider(arn);
        }

        return ActionOutcome.Empty;
    }
}
