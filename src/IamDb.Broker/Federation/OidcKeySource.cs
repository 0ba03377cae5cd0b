using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IamDb.Broker.State.Iam;
using IamDb.Federation.Jose;
using IamDb.Federation.WebIdentity;

namespace IamDb.Broker.Federation;

/// <summary>How the broker fetches identity providers' keys.</summary>
/// <param name="RequestTimeout">The longest one HTTPS request (discovery or JWKS) may take, connection included.</param>
/// <param name="CacheLifetime">How long fetched keys are used before they are fetched again.</param>
/// <param name="MinimumRefreshInterval">The shortest time between two fetches for one provider when a token names a key
/// id that is not among the cached keys: a stream of tokens with made-up key ids cannot make the broker hammer the provider.</param>
internal sealed record OidcKeySourceSettings(TimeSpan RequestTimeout, TimeSpan CacheLifetime, TimeSpan MinimumRefreshInterval)
{
    /// <summary>5 s per request, keys kept an hour, at most one refresh for an unknown key id per provider every 30 s.</summary>
    public static OidcKeySourceSettings Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), TimeSpan.FromSeconds(30));
}

/// <summary>The identity provider could not be reached or answered something unusable (STS's <c>IDPCommunicationError</c>).</summary>
internal sealed class IdentityProviderUnreachableException(string reason, Exception? inner = null) : Exception(reason, inner)
{
}

/// <summary>
/// The I/O edge of OpenID Connect: fetches a provider's discovery document
/// (<c>https://host[:port][/path]/.well-known/openid-configuration</c>) and then its <c>jwks_uri</c>, over HTTPS only, with
/// short timeouts, size caps and no redirects. The server certificate is accepted when it is valid for the host and either
/// chains to the system trust store or has a certificate in its chain whose SHA-1 thumbprint is registered on the
/// provider (as in AWS). Keys are cached per provider; a token naming an unknown key id triggers at most one refresh per
/// provider per <see cref="OidcKeySourceSettings.MinimumRefreshInterval"/>. Concurrent requests for one provider share one fetch.
/// </summary>
internal sealed class OidcKeySource(TimeProvider time, OidcKeySourceSettings settings) : IDisposable
{
    private readonly ConcurrentDictionary<string, ProviderEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>How many times the keys of a provider were fetched (diagnostics).</summary>
    public int FetchCount(string providerArn) => _entries.TryGetValue(providerArn, out var entry) ? entry.Fetches : 0;

    /// <summary>
    /// The keys of <paramref name="provider"/> that can verify <paramref name="jwt"/> if any can: the cached set when it is
    /// fresh and knows the token's key, otherwise a fresh fetch (rate-limited when only the key id is unknown).
    /// </summary>
    /// <exception cref="IdentityProviderUnreachableException">the keys could not be fetched.</exception>
    public async Task<JsonWebKeySet> GetKeysAsync(OpenIdConnectProvider provider, OidcProviderUrl url, UnverifiedJwt jwt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(jwt);
        var thumbprints = string.Join(',', provider.Thumbprints.Select(t => t.ToUpperInvariant()).Order(StringComparer.Ordinal));
        var entry = _entries.AddOrUpdate(
            provider.Arn,
            static (_, state) => new ProviderEntry(state.thumbprints, state.settings),
            static (_, existing, state) =>
            {
                if (existing.Thumbprints == state.thumbprints)
                {
                    return existing;
                }

                // Thumbprints changed (UpdateOpenIdConnectProviderThumbprint): connections validated under the old list must go.
                existing.Dispose();
                return new ProviderEntry(state.thumbprints, state.settings);
            },
            (thumbprints, settings));

        if (entry.Usable(time, settings, jwt) is { } cached)
        {
            return cached;
        }

        await entry.Gate.WaitAsync(ct);
        try
        {
            // Another request may have fetched while this one waited.
            if (entry.Usable(time, settings, jwt) is { } fetched)
            {
                return fetched;
            }

            var now = time.GetUtcNow();
            if (entry.Keys is { } current && now - entry.FetchedAt < settings.CacheLifetime)
            {
                // Fresh keys that do not know this key id: the provider may have rotated its keys. One refresh for unknown
                // key ids per interval; within it verification refuses the token (InvalidIdentityToken).
                if (now - entry.LastUnknownKeyRefresh < settings.MinimumRefreshInterval)
                {
                    return current;
                }

                entry.LastUnknownKeyRefresh = now;
            }

            var keys = await FetchAsync(entry, url, ct);
            entry.Keys = keys;
            entry.FetchedAt = time.GetUtcNow();
            return keys;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Dispose();
        }

        _entries.Clear();
    }

    private async Task<JsonWebKeySet> FetchAsync(ProviderEntry entry, OidcProviderUrl url, CancellationToken ct)
    {
        Interlocked.Increment(ref entry.Fetches);
        var discoveryText = await GetTextAsync(entry.Client, url.DiscoveryUrl, OidcDiscoveryDocument.MaximumDocumentLength, "discovery document", ct);
        if (!OidcDiscoveryDocument.TryParse(discoveryText, out var discovery, out var discoveryError))
        {
            throw new IdentityProviderUnreachableException($"The identity provider's discovery document is not usable: {discoveryError}");
        }

        if (discovery.Issuer != url)
        {
            throw new IdentityProviderUnreachableException(
                $"The identity provider's discovery document names the issuer {discovery.Issuer}, not {url}.");
        }

        var jwksText = await GetTextAsync(entry.Client, discovery.JwksUri, JsonWebKeySet.MaximumDocumentLength, "key set (jwks_uri)", ct);
        if (!JsonWebKeySet.TryParse(jwksText, out var keys, out var keysError))
        {
            throw new IdentityProviderUnreachableException($"The identity provider's key set is not usable: {keysError}");
        }

        return keys;
    }

    private async Task<string> GetTextAsync(HttpClient client, Uri uri, int maximumChars, string what, CancellationToken ct)
    {
        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new IdentityProviderUnreachableException($"The identity provider's {what} is not served over HTTPS.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new IdentityProviderUnreachableException(
                    $"The identity provider answered HTTP {(int)response.StatusCode} for its {what} at {uri.GetLeftPart(UriPartial.Path)}.");
            }

            // Read at most the cap (plus one byte to notice an oversized document), whatever Content-Length claims.
            var limit = (maximumChars * 4L) + 1;
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    throw new IdentityProviderUnreachableException($"The identity provider's {what} is larger than {maximumChars} characters.");
                }
            }

            var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            return text.Length > maximumChars
                ? throw new IdentityProviderUnreachableException($"The identity provider's {what} is larger than {maximumChars} characters.")
                : text;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IdentityProviderUnreachableException(
                $"The identity provider did not answer for its {what} within {settings.RequestTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            // The message says what failed (refused connection, untrusted certificate); it never holds a token.
            throw new IdentityProviderUnreachableException($"The identity provider's {what} could not be fetched from {uri.GetLeftPart(UriPartial.Path)}: {ex.Message}", ex);
        }
    }

    /// <summary>One provider: its cached keys, when they were fetched, its own HTTPS client (validating against its thumbprints).</summary>
    private sealed class ProviderEntry : IDisposable
    {
        private readonly HashSet<string> _thumbprints;

        public ProviderEntry(string thumbprints, OidcKeySourceSettings settings)
        {
            Thumbprints = thumbprints;
            _thumbprints = new HashSet<string>(thumbprints.Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectTimeout = settings.RequestTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxResponseHeadersLength = 64,
                AutomaticDecompression = DecompressionMethods.None,
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
            };
            Client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        }

        public string Thumbprints { get; }

        public HttpClient Client { get; }

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public JsonWebKeySet? Keys { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public DateTimeOffset LastUnknownKeyRefresh { get; set; } = DateTimeOffset.MinValue;

#pragma warning disable SA1401 // a counter updated with Interlocked
        public int Fetches;
#pragma warning restore SA1401

        /// <summary>The cached keys when they are fresh and know the token's key; otherwise null.</summary>
        public JsonWebKeySet? Usable(TimeProvider time, OidcKeySourceSettings settings, UnverifiedJwt jwt) =>
            Keys is { } keys && time.GetUtcNow() - FetchedAt < settings.CacheLifetime && keys.CanVerify(jwt) ? keys : null;

        public void Dispose()
        {
            Client.Dispose();
            Gate.Dispose();
        }

        /// <summary>
        /// Valid for the host and trusted by the system, or valid for the host with a registered thumbprint anywhere in
        /// the chain the server presented (a self-signed certificate, or a private CA).
        /// </summary>
        private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                return false;
            }

            // The only fault allowed is the one a registered thumbprint answers: a root the system does not trust. An
            // expired certificate or a signature that does not verify stays refused whatever its thumbprint.
            if (chain is null || chain.ChainElements.Count == 0
                || chain.ChainStatus.Any(s => s.Status is not (X509ChainStatusFlags.NoError or X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain)))
            {
                return false;
            }

            foreach (var element in chain.ChainElements)
            {
                if (_thumbprints.Contains(Sha1(element.Certificate)))
                {
                    return true;
                }
            }

            return false;
        }

        // SHA-1 here names a certificate the operator registered (IAM's ThumbprintList is SHA-1 by definition); it
        // compares a whole DER encoding the TLS handshake has already checked the signatures of, not a signature.
#pragma warning disable CA5350
        private static string Sha1(X509Certificate certificate) => Convert.ToHexString(SHA1.HashData(certificate.GetRawCertData()));
#pragma warning restore CA5350
    }
}
