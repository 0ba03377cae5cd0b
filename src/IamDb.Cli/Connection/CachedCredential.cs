using System.CommandLine;
using IamDb.Cli.Configuration;
using IamDb.Client.Caching;
using IamDb.Client.ConnectionStrings;
using IamDb.Client.Redshift;
using Npgsql;

namespace IamDb.Cli.Connection;

/// <summary>
/// The credential of a saved environment through the persistent cache, for <c>iamdb connect</c> and <c>iamdb url</c>:
/// <c>--refresh</c> fetches a new one (and caches it), <c>--no-cache</c> neither reads nor writes the file. A login the
/// database refuses (SQLSTATE 28P01/28000: revoked, reaped, the server reset) drops the cached credential — in memory
/// and in the file — and a new one is fetched once.
/// </summary>
internal sealed class CachedCredential : IDisposable
{
    public static readonly Option<bool> RefreshOption = new("--refresh")
    {
        Description = "Fetch a new credential even when the cache holds a valid one (the new one replaces it in the cache).",
    };

    public static readonly Option<bool> NoCacheOption = new("--no-cache")
    {
        Description = "Use no credential cache: fetch a credential for this run only, and neither read nor write the cache file.",
    };

    private readonly ClusterCredentialCache _cache;
    private readonly ClusterCredentialSource _source;
    private readonly bool _refresh;

    private CachedCredential(ClusterCredentialCache cache, ClusterCredentialSource source, bool refresh)
    {
        _cache = cache;
        _source = source;
        _refresh = refresh;
    }

    /// <summary>True when the last credential came from the cache file rather than an API call of this run.</summary>
    public bool FromCache => _cache.Statistics.ApiCalls == 0;

    public static CachedCredential Open(ParseResult parseResult, ServiceConnection connection, CliEnvironment env)
    {
        var noCache = parseResult.GetValue(NoCacheOption);
        var cache = new ClusterCredentialCache(
            connection.Redshift,
            new ClusterCredentialCacheOptions { PersistentCacheFile = noCache ? null : ClusterCredentialCacheOptions.DefaultPersistentCacheFile, MaxAttempts = 3 });
        var source = cache.GetSource(new ClusterCredentialRequest
        {
            ClusterIdentifier = env.Cluster,
            DbUser = env.DbUser,
            DbName = env.DbName,
            DbGroups = env.DbGroups.Count > 0 ? env.DbGroups : null,
            AutoCreate = env.AutoCreate,
            DurationSeconds = env.DurationSeconds,
        });
        return new CachedCredential(cache, source, parseResult.GetValue(RefreshOption) && !noCache);
    }

    /// <summary>The cached credential, or a new one (always new with <c>--refresh</c>).</summary>
    public async Task<ClusterCredentials> GetAsync(CancellationToken ct) =>
        _refresh ? await _source.RefreshAsync(ct) : await _source.GetAsync(ct);

    /// <summary>
    /// A credential whose login is known not to be refused: the credential, and when <paramref name="always"/> or it came
    /// from the cache file, one login with it; a refusal (28P01/28000) drops it and fetches a new one once. The check is
    /// that of the last login tried (null when none was).
    /// </summary>
    public async Task<(ClusterCredentials Credentials, LoginCheck? Check)> GetCheckedAsync(
        Func<ClusterCredentials, DatabaseLogin> login, bool always, CancellationToken ct)
    {
        var credentials = await GetAsync(ct);
        if (!always && !FromCache)
        {
            return (credentials, null);
        }

        var check = await LoginCheck.TryAsync(login(credentials), ct);
        if (check.Refused)
        {
            _source.Invalidate(credentials);
            credentials = await _source.GetAsync(ct);
            var retried = always ? await LoginCheck.TryAsync(login(credentials), ct) : null;
            return (credentials, retried is null ? null : retried with { Renewed = true, Refusal = check.Message });
        }

        return (credentials, check);
    }

    public void Dispose() => _cache.Dispose();
}

/// <summary>The outcome of one login with Npgsql (no query; no type loading, so it works against Redshift too).</summary>
internal sealed record LoginCheck(bool Ok, string? SqlState, string Message, string User, string Target)
{
    /// <summary>The credential was refused and replaced by a new one before this check.</summary>
    public bool Renewed { get; init; }

    /// <summary>Why the replaced credential was refused.</summary>
    public string? Refusal { get; init; }

    /// <summary>The server refused the credential itself: the password or the login role (revoked, reaped).</summary>
    public bool Refused => SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification;

    public static async Task<LoginCheck> TryAsync(DatabaseLogin login, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStringFormats.Npgsql(login)) { Pooling = false };
        var target = $"{builder.Host}:{builder.Port}/{builder.Database}";
        try
        {
            var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString);
            dataSource.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
            await using var probe = dataSource.Build();
            await using var connection = await probe.OpenConnectionAsync(ct);
            return new LoginCheck(true, null, "login ok", login.User, target);
        }
        catch (PostgresException e)
        {
            // The server's text names the user, never the password.
            return new LoginCheck(false, e.SqlState, e.MessageText, login.User, target);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return new LoginCheck(false, null, e.Message, login.User, target);
        }
    }
}
