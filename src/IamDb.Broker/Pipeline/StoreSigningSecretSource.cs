using System.Collections.Concurrent;
using System.Security.Cryptography;
using IamDb.Aws.Arns;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Signing;
using IamDb.Broker.Actions;
using IamDb.Broker.Requests;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Pipeline;

/// <summary>
/// Finds access-key secrets in the state store for <see cref="SigV4Verifier"/>: the account root's and users' long-term
/// keys (active only) and STS session keys (token hash must match, not expired). Found keys are cached for a short
/// time so a burst of requests from one identity costs one store read; unknown keys are never cached, so a key created
/// on another node works at once.
/// </summary>
internal sealed class StoreSigningSecretSource(IStateStore store, TimeProvider time, TimeSpan cacheTtl) : ISigningSecretSource, IAccessKeyCache
{
    private readonly ConcurrentDictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    // Bumped by every invalidation: a load that raced one is not cached (see LoadAsync).
    private long _generation;

    // While a shared store's change announcements cannot be heard, nothing is cached (State/Notifications).
    private volatile bool _suspended;

    /// <summary>Forgets a key (after UpdateAccessKey or DeleteAccessKey on this node, or announced by another).</summary>
    public void Invalidate(string accessKeyId)
    {
        Interlocked.Increment(ref _generation);
        _cache.TryRemove(accessKeyId, out _);
    }

    /// <summary>Forgets every key and session of a user (renamed or deleted: the cached caller carries its name).</summary>
    public void InvalidateUser(string userId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (id, entry) in _cache)
        {
            if (string.Equals(entry.Key.Caller.UserId, userId, StringComparison.Ordinal))
            {
                _cache.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Forgets everything and caches nothing until <see cref="Resume"/>.</summary>
    public void Suspend()
    {
        _suspended = true;
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    /// <summary>Forgets everything (changes may have gone unheard) and caches again.</summary>
    public void Resume()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
        _suspended = false;
    }

    public async ValueTask<SigningSecretLookup> FindAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken) =>
        (await FindKeyAsync(accessKeyId, sessionToken, cancellationToken)).Lookup;

    /// <summary>Like <see cref="FindAsync"/>, with what the store says about a key that was found: its caller and session.</summary>
    public ValueTask<KeyLookup> FindKeyAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken)
    {
        if (!_suspended && _cache.TryGetValue(accessKeyId, out var cached) && time.GetElapsedTime(cached.CachedAt) < cacheTtl)
        {
            return ValueTask.FromResult(Check(cached, sessionToken));
        }

        return LoadAsync(accessKeyId, sessionToken, cancellationToken);
    }

    private async ValueTask<KeyLookup> LoadAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        CachedKey? loaded;
        if (IdentifierShapes.IsLongTermAccessKeyId(accessKeyId))
        {
            loaded = await store.ReadAsync((r, ct) => LoadLongTermAsync(r, accessKeyId, ct), cancellationToken);
        }
        else if (IdentifierShapes.IsTemporaryAccessKeyId(accessKeyId))
        {
            loaded = await store.ReadAsync((r, ct) => LoadSessionAsync(r, accessKeyId, ct), cancellationToken);
        }
        else
        {
            return KeyLookup.Unknown;
        }

        if (loaded is null)
        {
            _cache.TryRemove(accessKeyId, out _);
            return KeyLookup.Unknown;
        }

        if (cacheTtl > TimeSpan.Zero && !_suspended && Interlocked.Read(ref _generation) == generation)
        {
            if (_cache.Count > 100_000)
            {
                _cache.Clear();
            }

            _cache[accessKeyId] = loaded;

            // An invalidation between the check above and this write must still win: undo the write if one happened.
            if (_suspended || Interlocked.Read(ref _generation) != generation)
            {
                _cache.TryRemove(KeyValuePair.Create(accessKeyId, loaded));
            }
        }

        return Check(loaded, sessionToken);
    }

    private KeyLookup Check(CachedKey key, string? sessionToken)
    {
        if (key.Key.Session is not { } session)
        {
            // A long-term key never carries a session token.
            return sessionToken is null ? new(SigningSecretLookup.Found(key.Secret, key.Stamp), key.Key) : KeyLookup.InvalidSessionToken;
        }

        if (sessionToken is null || !CryptographicOperations.FixedTimeEquals(SessionTokens.Hash(sessionToken), session.TokenHash))
        {
            return KeyLookup.InvalidSessionToken;
        }

        return time.GetUtcNow() >= session.ExpiresAt
            ? new(SigningSecretLookup.ExpiredSessionToken, null)
            : new(SigningSecretLookup.Found(key.Secret, key.Stamp), key.Key);
    }

    private async Task<CachedKey?> LoadLongTermAsync(IStateReader reader, string accessKeyId, CancellationToken ct)
    {
        var key = await reader.AccessKeys.GetAsync(accessKeyId, ct);
        if (key is null || key.Status != AccessKeyStatus.Active)
        {
            return null;
        }

        CallerIdentity caller;
        if (key.UserId is null)
        {
            caller = RootCaller(key.AccountId, accessKeyId);
        }
        else
        {
            var user = await reader.Users.GetByIdAsync(key.UserId, ct);
            if (user is null)
            {
                return null;
            }

            caller = UserCaller(user, CallerKind.User, accessKeyId);
        }

        return new CachedKey(new AuthenticatedKey(caller, null), key.SecretAccessKey.Reveal(), key.CreatedAt.UtcTicks, time.GetTimestamp());
    }

    private async Task<CachedKey?> LoadSessionAsync(IStateReader reader, string accessKeyId, CancellationToken ct)
    {
        var session = await reader.Sessions.GetAsync(accessKeyId, ct);
        if (session is null)
        {
            return null;
        }

        CallerIdentity caller;
        switch (session.Kind)
        {
            case SessionKind.AssumedRole:
                var roleName = session.RoleArn is { } roleArn && Arn.TryParse(roleArn, out var parsed, out _) &&
                               parsed.TryGetIamEntity(out _, out _, out var name)
                    ? name
                    : null;
                caller = new CallerIdentity
                {
                    Kind = CallerKind.AssumedRole,
                    AccountId = session.AccountId,
                    Arn = session.PrincipalArn,
                    UserId = $"{session.RoleId}:{session.RoleSessionName}",
                    AccessKeyId = accessKeyId,
                    RoleName = roleName,
                    SessionName = session.RoleSessionName,
                    PrincipalEntityArn = session.RoleArn ?? session.PrincipalArn,
                    SessionAccessKeyId = accessKeyId,
                };
                break;
            case SessionKind.SessionToken when session.UserId is null:
                caller = RootCaller(session.AccountId, accessKeyId) with { Kind = CallerKind.UserSession, SessionAccessKeyId = accessKeyId };
                break;
            case SessionKind.SessionToken:
                var user = await reader.Users.GetByIdAsync(session.UserId, ct);
                if (user is null)
                {
                    return null;
                }

                caller = UserCaller(user, CallerKind.UserSession, accessKeyId) with { SessionAccessKeyId = accessKeyId };
                break;
            default:
                return null; // federated sessions are not issued yet
        }

        return new CachedKey(new AuthenticatedKey(caller, session), session.SecretAccessKey.Reveal(), session.CreatedAt.UtcTicks, time.GetTimestamp());
    }

    private static CallerIdentity UserCaller(IamUser user, CallerKind kind, string accessKeyId) => new()
    {
        Kind = kind,
        AccountId = user.AccountId,
        Arn = user.Arn,
        UserId = user.UserId,
        AccessKeyId = accessKeyId,
        UserName = user.UserName,
        PrincipalEntityArn = user.Arn,
    };

    private static CallerIdentity RootCaller(string accountId, string accessKeyId)
    {
        var rootArn = Arn.IamRoot(accountId).ToString();
        return new CallerIdentity
        {
            Kind = CallerKind.Root,
            AccountId = accountId,
            Arn = rootArn,
            UserId = accountId,
            AccessKeyId = accessKeyId,
            PrincipalEntityArn = rootArn,
        };
    }

    private sealed record CachedKey(AuthenticatedKey Key, string Secret, long Stamp, long CachedAt)
    {
        public override string ToString() => $"CachedKey {{ {Key.Caller.AccessKeyId} }}";
    }
}

/// <summary>What a key lookup found: the verifier's answer and, for a key that was found, its caller and session.</summary>
/// <param name="Lookup">The answer for the SigV4 verifier.</param>
/// <param name="Key">The key's caller and session when it was found; null otherwise.</param>
internal readonly record struct KeyLookup(SigningSecretLookup Lookup, AuthenticatedKey? Key)
{
    public static KeyLookup Unknown => new(SigningSecretLookup.UnknownAccessKey, null);

    public static KeyLookup InvalidSessionToken => new(SigningSecretLookup.InvalidSessionToken, null);
}

/// <summary>
/// The key lookup of one request: it asks the shared <see cref="StoreSigningSecretSource"/> and keeps, typed, the caller of
/// the key it found, so the pipeline learns who signed without a second lookup and without casting.
/// </summary>
internal sealed class RequestKeyLookup(StoreSigningSecretSource keys) : ISigningSecretSource
{
    /// <summary>The caller and session of the key the verifier looked up; null until a key was found.</summary>
    public AuthenticatedKey? Found { get; private set; }

    public ValueTask<SigningSecretLookup> FindAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken)
    {
        var pending = keys.FindKeyAsync(accessKeyId, sessionToken, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var found = pending.Result;
            Found = found.Key;
            return ValueTask.FromResult(found.Lookup);
        }

        return CompleteAsync(pending);
    }

    private async ValueTask<SigningSecretLookup> CompleteAsync(ValueTask<KeyLookup> pending)
    {
        var found = await pending;
        Found = found.Key;
        return found.Lookup;
    }
}
