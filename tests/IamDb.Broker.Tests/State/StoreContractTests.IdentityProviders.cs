using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

public abstract partial class StoreContractTests
{
    private const string Metadata = "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.example/\"/>";

    private static OpenIdConnectProvider Oidc(string account, string url) =>
        new(IdentityProviderArns.OpenIdConnect(account, url), url, ["client-a"], [new string('a', 40)], [new Tag("team", "data")], Now.AddTicks(77));

    private static SamlProvider Saml(string account, string name) =>
        new(IdentityProviderArns.Saml(account, name), name, Metadata, Now.AddTicks(77), Now.AddDays(30), [new Tag("idp", "okta")]);

    [Fact]
    public async Task OidcProviders_CreateGetFindListUpdateDelete_RoundTripEveryField()
    {
        var account = NewAccount();
        var provider = Oidc(account, "idp.example:8443/realms/main");

        var created = await Store.WriteAsync((w, ct) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(provider, ct), Ct);
        var read = await Store.ReadAsync((r, ct) => r.IdentityProviders.GetOpenIdConnectProviderAsync(provider.Arn, ct), Ct);
        var found = await Store.ReadAsync((r, ct) => r.IdentityProviders.FindOpenIdConnectProviderByUrlAsync(account, "idp.example:8443/realms/main", ct), Ct);
        var otherAccount = await Store.ReadAsync((r, ct) => r.IdentityProviders.FindOpenIdConnectProviderByUrlAsync(NewAccount(), provider.Url, ct), Ct);

        Assert.Equal(Now, created.CreateDate);
        Assert.NotNull(read);
        Assert.Equal(account, read.AccountId);
        Assert.Equal($"arn:aws:iam::{account}:oidc-provider/idp.example:8443/realms/main", read.Arn);
        Assert.Equal(provider.Url, read.Url);
        Assert.Equal(["client-a"], read.ClientIds);
        Assert.Equal([new string('a', 40)], read.Thumbprints);
        Assert.Equal([new Tag("team", "data")], read.Tags);
        Assert.Equal(Now, read.CreateDate);
        Assert.Equal(provider.Arn, found?.Arn);
        Assert.Null(otherAccount);

        var changed = read with { ClientIds = ["client-a", "client-b"], Thumbprints = [], Tags = [] };
        Assert.True(await Store.WriteAsync((w, ct) => w.IdentityProviders.UpdateOpenIdConnectProviderAsync(changed, ct), Ct));
        var updated = await Store.ReadAsync((r, ct) => r.IdentityProviders.GetOpenIdConnectProviderAsync(provider.Arn, ct), Ct);
        Assert.Equal(["client-a", "client-b"], updated?.ClientIds);
        Assert.Empty(updated!.Thumbprints);
        Assert.Empty(updated.Tags);

        var second = Oidc(account, "accounts.example");
        await Store.WriteAsync((w, ct) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(second, ct), Ct);
        var listed = await Store.ReadAsync((r, ct) => r.IdentityProviders.ListOpenIdConnectProvidersAsync(account, ct), Ct);
        Assert.Equal([second.Arn, provider.Arn], listed.Select(p => p.Arn));

        Assert.True(await Store.WriteAsync((w, ct) => w.IdentityProviders.DeleteOpenIdConnectProviderAsync(provider.Arn, ct), Ct));
        Assert.False(await Store.WriteAsync((w, ct) => w.IdentityProviders.DeleteOpenIdConnectProviderAsync(provider.Arn, ct), Ct));
        Assert.False(await Store.WriteAsync((w, ct) => w.IdentityProviders.UpdateOpenIdConnectProviderAsync(changed, ct), Ct));
        Assert.Null(await Store.ReadAsync((r, ct) => r.IdentityProviders.GetOpenIdConnectProviderAsync(provider.Arn, ct), Ct));
        Assert.Null(await Store.ReadAsync((r, ct) => r.IdentityProviders.FindOpenIdConnectProviderByUrlAsync(account, provider.Url, ct), Ct));
    }

    [Fact]
    public async Task OidcProviders_SameUrlTwice_ThrowsEntityAlreadyExists()
    {
        var account = NewAccount();
        await Store.WriteAsync((w, ct) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(Oidc(account, "idp.example"), ct), Ct);

        var e = await Assert.ThrowsAsync<EntityAlreadyExistsException>(
            () => Store.WriteAsync((w, ct) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(Oidc(account, "idp.example"), ct), Ct));

        Assert.Equal("Provider with url https://idp.example already exists.", e.Message);
    }

    [Fact]
    public async Task OidcProviders_MoreThanTheQuota_ThrowsLimitExceeded()
    {
        var account = NewAccount();
        await Store.WriteAsync(
            async (w, ct) =>
            {
                for (var i = 0; i < IdentityProviderLimits.ProvidersPerAccount; i++)
                {
                    await w.IdentityProviders.CreateOpenIdConnectProviderAsync(Oidc(account, $"idp{i}.example"), ct);
                }
            },
            Ct);

        await Assert.ThrowsAsync<StateLimitExceededException>(
            () => Store.WriteAsync((w, ct) => w.IdentityProviders.CreateOpenIdConnectProviderAsync(Oidc(account, "one-more.example"), ct), Ct));
        var listed = await Store.ReadAsync((r, ct) => r.IdentityProviders.ListOpenIdConnectProvidersAsync(account, ct), Ct);
        Assert.Equal(IdentityProviderLimits.ProvidersPerAccount, listed.Count);
    }

    [Fact]
    public async Task SamlProviders_CreateGetListUpdateDelete_RoundTripEveryField()
    {
        var account = NewAccount();
        var provider = Saml(account, "Okta");

        var created = await Store.WriteAsync((w, ct) => w.IdentityProviders.CreateSamlProviderAsync(provider, ct), Ct);
        var read = await Store.ReadAsync((r, ct) => r.IdentityProviders.GetSamlProviderAsync(provider.Arn, ct), Ct);
        var duplicate = await Assert.ThrowsAsync<EntityAlreadyExistsException>(
            () => Store.WriteAsync((w, ct) => w.IdentityProviders.CreateSamlProviderAsync(Saml(account, "Okta"), ct), Ct));

        Assert.Equal(Now, created.CreateDate);
        Assert.NotNull(read);
        Assert.Equal(account, read.AccountId);
        Assert.Equal($"arn:aws:iam::{account}:saml-provider/Okta", read.Arn);
        Assert.Equal("Okta", read.Name);
        Assert.Equal(Metadata, read.MetadataDocument);
        Assert.Equal(Now, read.CreateDate);
        Assert.Equal(Now.AddDays(30), read.ValidUntil);
        Assert.Equal([new Tag("idp", "okta")], read.Tags);
        Assert.Equal("SAMLProvider", duplicate.EntityKind);

        var rotated = read with { MetadataDocument = Metadata.Replace("idp.example", "idp2.example", StringComparison.Ordinal), ValidUntil = null, Tags = [] };
        Assert.True(await Store.WriteAsync((w, ct) => w.IdentityProviders.UpdateSamlProviderAsync(rotated, ct), Ct));
        var updated = await Store.ReadAsync((r, ct) => r.IdentityProviders.GetSamlProviderAsync(provider.Arn, ct), Ct);
        Assert.Equal(rotated.MetadataDocument, updated?.MetadataDocument);
        Assert.Null(updated!.ValidUntil);
        Assert.Empty(updated.Tags);
        Assert.Equal(Now, updated.CreateDate);

        await Store.WriteAsync((w, ct) => w.IdentityProviders.CreateSamlProviderAsync(Saml(account, "Entra"), ct), Ct);
        var listed = await Store.ReadAsync((r, ct) => r.IdentityProviders.ListSamlProvidersAsync(account, ct), Ct);
        Assert.Equal(["Entra", "Okta"], listed.Select(p => p.Name));

        Assert.True(await Store.WriteAsync((w, ct) => w.IdentityProviders.DeleteSamlProviderAsync(provider.Arn, ct), Ct));
        Assert.False(await Store.WriteAsync((w, ct) => w.IdentityProviders.DeleteSamlProviderAsync(provider.Arn, ct), Ct));
        Assert.Null(await Store.ReadAsync((r, ct) => r.IdentityProviders.GetSamlProviderAsync(provider.Arn, ct), Ct));
    }

    [Fact]
    public async Task SamlAssertions_RecordedOnce_ReplayRefusedUntilExpiryPerProvider()
    {
        var account = NewAccount();
        var okta = IdentityProviderArns.Saml(account, "Okta");
        var entra = IdentityProviderArns.Saml(account, "Entra");
        var expires = Now.AddMinutes(5);

        Task<bool> Record(string provider, string id, DateTimeOffset until, DateTimeOffset now) =>
            Store.WriteAsync((w, ct) => w.IdentityProviders.TryRecordSamlAssertionAsync(provider, id, until, now, ct), Ct);

        Assert.True(await Record(okta, "_a1", expires, Now));
        Assert.False(await Record(okta, "_a1", expires, Now));
        Assert.False(await Record(okta, "_a1", expires.AddHours(1), Now.AddMinutes(4)));
        Assert.True(await Record(entra, "_a1", expires, Now));
        Assert.True(await Record(okta, "_a2", expires, Now));

        // Once the first use has expired, the row no longer counts (the assertion itself is refused as expired before
        // this point; the store just must not grow nor refuse forever).
        Assert.True(await Record(okta, "_a1", expires.AddMinutes(10), expires.AddSeconds(1)));
        Assert.False(await Record(okta, "_a1", expires.AddMinutes(10), expires.AddSeconds(2)));
    }

    [Fact]
    public async Task SamlAssertions_RecordingPrunesExpiredRows()
    {
        var account = NewAccount();
        var provider = IdentityProviderArns.Saml(account, "Prune");
        await Store.WriteAsync(
            async (w, ct) =>
            {
                for (var i = 0; i < 5; i++)
                {
                    await w.IdentityProviders.TryRecordSamlAssertionAsync(provider, $"_old{i}", Now.AddMinutes(1), Now, ct);
                }
            },
            Ct);
        Assert.Equal(5L, Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM saml_used_assertions WHERE provider_arn = '{provider}'"), System.Globalization.CultureInfo.InvariantCulture));

        // Far in the future, so every other test's rows are expired too. A prune runs on about one recording in 32 (by
        // the id's per-process hash), so 600 new ids prune with certainty but for (31/32)^600 < 1e-8.
        var later = DateTimeOffset.MaxValue.AddYears(-1);
        await Store.WriteAsync(
            async (w, ct) =>
            {
                for (var i = 0; i < 600; i++)
                {
                    await w.IdentityProviders.TryRecordSamlAssertionAsync(provider, $"_new{i}", later.AddMinutes(5), later, ct);
                }
            },
            Ct);

        Assert.Equal(
            0L,
            Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM saml_used_assertions WHERE provider_arn = '{provider}' AND assertion_id LIKE '_old%'"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(
            600L,
            Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM saml_used_assertions WHERE provider_arn = '{provider}' AND assertion_id LIKE '_new%'"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SamlAssertions_TwoNodesRacing_AcceptExactlyOne()
    {
        var account = NewAccount();
        var provider = IdentityProviderArns.Saml(account, "Race");
        var other = await OpenStoreAsync();
        var stores = new[] { Store, other, Store, other, Store, other, Store, other };

        var results = await Task.WhenAll(stores.Select(store => Task.Run(
            () => store.WriteAsync((w, ct) => w.IdentityProviders.TryRecordSamlAssertionAsync(provider, "_race", Now.AddMinutes(5), Now, ct), Ct),
            Ct)));

        Assert.Single(results, accepted => accepted);
    }

    [Fact]
    public async Task SamlProviders_Delete_ForgetsItsAssertions()
    {
        var account = NewAccount();
        var provider = Saml(account, "Gone");
        await Store.WriteAsync((w, ct) => w.IdentityProviders.CreateSamlProviderAsync(provider, ct), Ct);
        await Store.WriteAsync((w, ct) => w.IdentityProviders.TryRecordSamlAssertionAsync(provider.Arn, "_x", Now.AddMinutes(5), Now, ct), Ct);

        await Store.WriteAsync((w, ct) => w.IdentityProviders.DeleteSamlProviderAsync(provider.Arn, ct), Ct);

        Assert.Equal(
            0L,
            Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM saml_used_assertions WHERE provider_arn = '{provider.Arn}'"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
