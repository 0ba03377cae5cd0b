using System.Data.Common;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlIdentityProviders(SqlSession session) : IIdentityProviderWriter
{
    /// <summary>How many expired assertion rows one recording deletes at most: bounded work per sign-in.</summary>
    internal const int PruneBatch = 100;

    private const string SelectOidc = "SELECT arn, url, client_ids, thumbprints, tags, created_at FROM iam_oidc_providers";

    private const string SelectSaml = "SELECT arn, name, metadata_document, created_at, valid_until, tags FROM iam_saml_providers";

    public Task<OpenIdConnectProvider?> GetOpenIdConnectProviderAsync(string arn, CancellationToken cancellationToken) =>
        session.SingleAsync($"{SelectOidc} WHERE arn = @arn", ReadOidc, cancellationToken, ("arn", arn));

    public Task<OpenIdConnectProvider?> FindOpenIdConnectProviderByUrlAsync(string accountId, string url, CancellationToken cancellationToken) =>
        session.SingleAsync($"{SelectOidc} WHERE account_id = @account AND url = @url", ReadOidc, cancellationToken, ("account", accountId), ("url", url));

    public async Task<IReadOnlyList<OpenIdConnectProvider>> ListOpenIdConnectProvidersAsync(string accountId, CancellationToken cancellationToken) =>
        await session.ListAsync(
            $"{SelectOidc} WHERE account_id = @account ORDER BY arn LIMIT @limit",
            ReadOidc,
            cancellationToken,
            ("account", accountId),
            ("limit", (long)IdentityProviderLimits.ProvidersPerAccount));

    public Task<SamlProvider?> GetSamlProviderAsync(string arn, CancellationToken cancellationToken) =>
        session.SingleAsync($"{SelectSaml} WHERE arn = @arn", ReadSaml, cancellationToken, ("arn", arn));

    public async Task<IReadOnlyList<SamlProvider>> ListSamlProvidersAsync(string accountId, CancellationToken cancellationToken) =>
        await session.ListAsync(
            $"{SelectSaml} WHERE account_id = @account ORDER BY arn LIMIT @limit",
            ReadSaml,
            cancellationToken,
            ("account", accountId),
            ("limit", (long)IdentityProviderLimits.ProvidersPerAccount));

    public async Task<OpenIdConnectProvider> CreateOpenIdConnectProviderAsync(OpenIdConnectProvider provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        provider = provider with { CreateDate = StoreTime.Normalize(provider.CreateDate) };
        var count = await session.ScalarAsync(
            "SELECT COUNT(*) FROM iam_oidc_providers WHERE account_id = @account", cancellationToken, ("account", provider.AccountId));
        if (count >= IdentityProviderLimits.ProvidersPerAccount)
        {
            throw new StateLimitExceededException("OpenIdConnectProvidersPerAccount", IdentityProviderLimits.ProvidersPerAccount);
        }

        await session.ExecuteUniqueAsync(
            "INSERT INTO iam_oidc_providers (arn, account_id, url, client_ids, thumbprints, tags, created_at) "
            + "VALUES (@arn, @account, @url, @client_ids, @thumbprints, @tags, @created)",
            () => new EntityAlreadyExistsException("OpenIdConnectProvider", provider.Url, $"Provider with url https://{provider.Url} already exists."),
            cancellationToken,
            [
                .. OidcMutableParameters(provider),
                ("account", provider.AccountId),
                ("url", provider.Url),
                ("created", provider.CreateDate.Millis()),
            ]);
        return provider;
    }

    public async Task<bool> UpdateOpenIdConnectProviderAsync(OpenIdConnectProvider provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return await session.ExecuteAsync(
            "UPDATE iam_oidc_providers SET client_ids = @client_ids, thumbprints = @thumbprints, tags = @tags WHERE arn = @arn",
            cancellationToken,
            OidcMutableParameters(provider)) > 0;
    }

    public async Task<bool> DeleteOpenIdConnectProviderAsync(string arn, CancellationToken cancellationToken) =>
        await session.ExecuteAsync("DELETE FROM iam_oidc_providers WHERE arn = @arn", cancellationToken, ("arn", arn)) > 0;

    public async Task<SamlProvider> CreateSamlProviderAsync(SamlProvider provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        provider = provider with
        {
            CreateDate = StoreTime.Normalize(provider.CreateDate),
            ValidUntil = provider.ValidUntil is { } until ? StoreTime.Normalize(until) : null,
        };
        var count = await session.ScalarAsync(
            "SELECT COUNT(*) FROM iam_saml_providers WHERE account_id = @account", cancellationToken, ("account", provider.AccountId));
        if (count >= IdentityProviderLimits.ProvidersPerAccount)
        {
            throw new StateLimitExceededException("SAMLProvidersPerAccount", IdentityProviderLimits.ProvidersPerAccount);
        }

        await session.ExecuteUniqueAsync(
            "INSERT INTO iam_saml_providers (arn, account_id, name, metadata_document, created_at, valid_until, tags) "
            + "VALUES (@arn, @account, @name, @document, @created, @valid_until, @tags)",
            () => new EntityAlreadyExistsException("SAMLProvider", provider.Name, $"SAMLProvider {provider.Name} already exists."),
            cancellationToken,
            [
                .. SamlMutableParameters(provider),
                ("account", provider.AccountId),
                ("name", provider.Name),
                ("created", provider.CreateDate.Millis()),
            ]);
        return provider;
    }

    public async Task<bool> UpdateSamlProviderAsync(SamlProvider provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return await session.ExecuteAsync(
            "UPDATE iam_saml_providers SET metadata_document = @document, valid_until = @valid_until, tags = @tags WHERE arn = @arn",
            cancellationToken,
            SamlMutableParameters(provider)) > 0;
    }

    public async Task<bool> DeleteSamlProviderAsync(string arn, CancellationToken cancellationToken)
    {
        await session.ExecuteAsync("DELETE FROM saml_used_assertions WHERE provider_arn = @arn", cancellationToken, ("arn", arn));
        return await session.ExecuteAsync("DELETE FROM iam_saml_providers WHERE arn = @arn", cancellationToken, ("arn", arn)) > 0;
    }

    public async Task<bool> TryRecordSamlAssertionAsync(
        string providerArn, string assertionId, DateTimeOffset expires, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providerArn);
        ArgumentNullException.ThrowIfNull(assertionId);
        // Prune on about one call in 32: the range DELETE reads rows other sign-ins insert, so doing it on every call made
        // concurrent sign-ins on PostgreSQL fail with serialization errors (40001) beyond the retries; 100 rows per prune
        // still outpace one new row per call. String hashes are randomized per process, so no caller can steer this.
        if ((assertionId.GetHashCode(StringComparison.Ordinal) & 31) == 0)
        {
            await session.ExecuteAsync(
                "DELETE FROM saml_used_assertions WHERE (provider_arn, assertion_id) IN "
                + "(SELECT provider_arn, assertion_id FROM saml_used_assertions WHERE expires_at <= @now ORDER BY expires_at LIMIT @limit)",
                cancellationToken,
                ("now", now.Millis()),
                ("limit", (long)PruneBatch));
        }

        // A conflicting row that has expired (and escaped the pruning) is taken over; a live one makes this a replay: no
        // row changes. ON CONFLICT rather than catching the unique violation, which would abort a PostgreSQL transaction.
        var changed = await session.ExecuteAsync(
            "INSERT INTO saml_used_assertions (provider_arn, assertion_id, expires_at) VALUES (@arn, @id, @expires) "
            + "ON CONFLICT (provider_arn, assertion_id) DO UPDATE SET expires_at = excluded.expires_at "
            + "WHERE saml_used_assertions.expires_at <= @now",
            cancellationToken,
            ("arn", providerArn),
            ("id", assertionId),
            ("expires", expires.Millis()),
            ("now", now.Millis()));
        return changed > 0;
    }

    private static OpenIdConnectProvider ReadOidc(DbDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            StateJson.Read<List<string>>(r.GetString(2)),
            StateJson.Read<List<string>>(r.GetString(3)),
            StateJson.ReadTags(r.GetString(4)),
            r.GetTime(5));

    private static SamlProvider ReadSaml(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetTime(3), r.GetTimeOrNull(4), StateJson.ReadTags(r.GetString(5)));

    private static (string, object?)[] OidcMutableParameters(OpenIdConnectProvider provider) =>
    [
        ("arn", provider.Arn),
        ("client_ids", StateJson.Write(provider.ClientIds)),
        ("thumbprints", StateJson.Write(provider.Thumbprints)),
        ("tags", StateJson.WriteTags(provider.Tags)),
    ];

    private static (string, object?)[] SamlMutableParameters(SamlProvider provider) =>
    [
        ("arn", provider.Arn),
        ("document", provider.MetadataDocument),
        ("valid_until", provider.ValidUntil.Millis()),
        ("tags", StateJson.WriteTags(provider.Tags)),
    ];
}
