using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;
using IamDb.Cli.Output;
using IamDb.Client.Caching;

namespace IamDb.Cli.Commands.Login;

/// <summary>A role session from <c>iamdb login</c>, kept until it expires (it holds a secret key: file mode 0600).</summary>
internal sealed record LoginSession(
    string Environment,
    string Endpoint,
    string Issuer,
    string RoleArn,
    string? AssumedRoleArn,
    string Subject,
    string AccessKeyId,
    string SecretAccessKey,
    string SessionToken,
    DateTimeOffset Expiration)
{
    /// <summary>For messages: who and until when, never the keys.</summary>
    public override string ToString() => $"LoginSession {{ {Environment}: {AssumedRoleArn ?? RoleArn} for {Subject} until {Expiration:u} }}";
}

/// <summary>
/// The login sessions of <c>iamdb login</c>, one per environment, in <c>login-sessions.json</c> beside the credential
/// cache (<c>$XDG_CACHE_HOME/iamdb/</c>, else <c>~/.cache/iamdb/</c>), mode 0600, replaced atomically. A session is used
/// only for the environment it was made for and only while the environment still names the same broker, issuer and role.
/// </summary>
internal static class LoginSessionCache
{
    /// <summary>A session this close to its expiry is not handed out (a credential fetched with it must still work).</summary>
    internal static readonly TimeSpan MinimumRemaining = TimeSpan.FromMinutes(1);

    /// <summary>The file.</summary>
    public static string DefaultPath() =>
        Path.Combine(Path.GetDirectoryName(ClusterCredentialCacheOptions.DefaultPersistentCacheFile)!, "login-sessions.json");

    /// <summary>The environment's session if there is one that still works for it now, else null.</summary>
    public static LoginSession? Find(string path, CliEnvironment environment, DateTimeOffset now)
    {
        if (!Read(path).TryGetValue(environment.Name, out var session))
        {
            return null;
        }

        var matches = session.Issuer == environment.OidcIssuer
            && session.RoleArn == environment.RoleArn
            && session.Endpoint == (environment.EndpointUrl ?? string.Empty);
        return matches && session.Expiration - MinimumRemaining > now ? session : null;
    }

    /// <summary>Stores <paramref name="session"/> for its environment (replacing an older one) and drops expired ones.</summary>
    public static void Save(string path, LoginSession session, DateTimeOffset now)
    {
        var sessions = Read(path).Where(s => s.Value.Expiration > now).ToDictionary(StringComparer.Ordinal);
        sessions[session.Environment] = session;
        Write(path, sessions);
    }

    /// <summary>Forgets the environment's session; true when there was one.</summary>
    public static bool Remove(string path, string environment)
    {
        var sessions = Read(path);
        if (!sessions.Remove(environment))
        {
            return false;
        }

        Write(path, sessions);
        return true;
    }

    private static Dictionary<string, LoginSession> Read(string path)
    {
        var sessions = new Dictionary<string, LoginSession>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return sessions;
        }

        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject root)
            {
                return sessions;
            }

            foreach (var (name, node) in root)
            {
                if (node is JsonObject o && FromJson(name, o) is { } session)
                {
                    sessions[name] = session;
                }
            }
        }
        catch (JsonException)
        {
            // A damaged cache is as good as none: the next login rewrites it.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the login sessions in {path}: {ex.Message}");
        }

        return sessions;
    }

    private static LoginSession? FromJson(string name, JsonObject o)
    {
        string? S(string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var expiration = S("Expiration") is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var e) ? e : (DateTimeOffset?)null;
        if (S("Endpoint") is not { } endpoint || S("Issuer") is not { } issuer || S("RoleArn") is not { } role || S("Subject") is not { } subject
            || S("AccessKeyId") is not { } keyId || S("SecretAccessKey") is not { } secret || S("SessionToken") is not { } token || expiration is null)
        {
            return null;
        }

        return new LoginSession(name, endpoint, issuer, role, S("AssumedRoleArn"), subject, keyId, secret, token, expiration.Value);
    }

    private static void Write(string path, Dictionary<string, LoginSession> sessions)
    {
        var root = new JsonObject();
        foreach (var (name, s) in sessions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            root[name] = new JsonObject
            {
                ["Endpoint"] = s.Endpoint,
                ["Issuer"] = s.Issuer,
                ["RoleArn"] = s.RoleArn,
                ["AssumedRoleArn"] = s.AssumedRoleArn,
                ["Subject"] = s.Subject,
                ["AccessKeyId"] = s.AccessKeyId,
                ["SecretAccessKey"] = s.SecretAccessKey,
                ["SessionToken"] = s.SessionToken,
                ["Expiration"] = s.Expiration.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                // Created 0600 from the start: the secret key is never readable by others, not even for a moment.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new CliException($"cannot write the login sessions to {path}: {ex.Message}");
        }
    }
}
