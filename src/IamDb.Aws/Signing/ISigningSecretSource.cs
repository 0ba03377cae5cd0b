namespace IamDb.Aws.Signing;

/// <summary>
/// Where the verifier finds the secret of an access key. The broker implements it over its key store (and
/// caches it); the verifier calls it once per request after the cheap checks have passed.
/// </summary>
internal interface ISigningSecretSource
{
    /// <summary>Looks up <paramref name="accessKeyId"/> and, for temporary keys, checks <paramref name="sessionToken"/>.</summary>
    /// <param name="accessKeyId">The access key id from the credential scope (untrusted input, at most a few hundred chars).</param>
    /// <param name="sessionToken">The <c>X-Amz-Security-Token</c> sent with the request, or null.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>
    /// <see cref="SigningSecretLookup.Found"/> with the secret and a stamp that changes whenever the secret does;
    /// <see cref="SigningSecretLookup.UnknownAccessKey"/> for an unknown or inactive key;
    /// <see cref="SigningSecretLookup.InvalidSessionToken"/> when the token does not belong to the key (or a temporary
    /// key came without its token, or a long-term key with one); <see cref="SigningSecretLookup.ExpiredSessionToken"/>
    /// when the temporary credentials have expired.
    /// </returns>
    ValueTask<SigningSecretLookup> FindAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken);
}

/// <summary>What <see cref="ISigningSecretSource.FindAsync"/> found.</summary>
internal enum SigningSecretStatus
{
    /// <summary>The key exists, is active, and the session token (if any) belongs to it.</summary>
    Found,

    /// <summary>No active key has this id. Answered with <c>InvalidClientTokenId</c>.</summary>
    UnknownAccessKey,

    /// <summary>The session token is missing, unknown, or issued with another key. Answered with <c>InvalidClientTokenId</c>.</summary>
    InvalidSessionToken,

    /// <summary>The temporary credentials have expired. Answered with <c>ExpiredToken</c>.</summary>
    ExpiredSessionToken,
}

/// <summary>The outcome of a secret lookup. <see cref="ToString"/> never shows the secret.</summary>
internal readonly struct SigningSecretLookup
{
    private SigningSecretLookup(SigningSecretStatus status, string? secretAccessKey, long keyStamp, object? context)
    {
        Status = status;
        SecretAccessKey = secretAccessKey;
        KeyStamp = keyStamp;
        Context = context;
    }

    /// <summary>What was found.</summary>
    public SigningSecretStatus Status { get; }

    /// <summary>The secret access key when <see cref="Status"/> is <see cref="SigningSecretStatus.Found"/>.</summary>
    public string? SecretAccessKey { get; }

    /// <summary>
    /// Any value that changes when the key's secret changes (a row version, the creation time in ticks…). Derived
    /// signing keys are cached per access key, day, region, service and stamp, so a rotated secret is never served
    /// from the cache.
    /// </summary>
    public long KeyStamp { get; }

    /// <summary>Anything the caller wants back on success (e.g. the key's owner), passed through untouched.</summary>
    public object? Context { get; }

    /// <summary>The key was found.</summary>
    /// <param name="secretAccessKey">The secret access key.</param>
    /// <param name="keyStamp">A value that changes whenever the secret changes.</param>
    /// <param name="context">Optional state returned in <see cref="SigV4Identity.Context"/>.</param>
    public static SigningSecretLookup Found(string secretAccessKey, long keyStamp, object? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        return new(SigningSecretStatus.Found, secretAccessKey, keyStamp, context);
    }

    /// <summary>No active key has this id.</summary>
    public static SigningSecretLookup UnknownAccessKey { get; } = new(SigningSecretStatus.UnknownAccessKey, null, 0, null);

    /// <summary>The session token does not belong to the key (or is missing/superfluous).</summary>
    public static SigningSecretLookup InvalidSessionToken { get; } = new(SigningSecretStatus.InvalidSessionToken, null, 0, null);

    /// <summary>The temporary credentials have expired.</summary>
    public static SigningSecretLookup ExpiredSessionToken { get; } = new(SigningSecretStatus.ExpiredSessionToken, null, 0, null);

    /// <summary>The status only.</summary>
    public override string ToString() => $"SigningSecretLookup {{ Status = {Status}, KeyStamp = {KeyStamp} }}";
}
