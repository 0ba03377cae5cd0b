using System.Text.Json;
using IamDb.Aws.Query;
using IamDb.Client.Redshift;

namespace IamDb.Client.Caching;

/// <summary>
/// Credentials kept between processes (consecutive <c>iamdb</c> runs) in one JSON file per user, mode 0600 in a 0700
/// directory. A file that group or others can read is ignored and replaced. Format (versioned):
/// <c>{"format":"iamdb-credential-cache","version":1,"entries":[{"key":…,"dbUser":…,"dbPassword":…,"expiration":…}]}</c>.
/// Expired entries are dropped on every write. Passwords are stored in the clear, as the AWS CLI's own cache does: the
/// file's mode is the protection.
/// </summary>
internal sealed class PersistentCredentialFile
{
    /// <summary>The format version written and read.</summary>
    public const int FormatVersion = 1;

    private const string FormatName = "iamdb-credential-cache";
    private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode NotForOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;

    /// <summary>Uses <paramref name="path"/>.</summary>
    public PersistentCredentialFile(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>
    /// The per-user default: <c>$XDG_CACHE_HOME/iamdb/credentials.json</c>, else <c>~/.cache/iamdb/credentials.json</c>
    /// (on Windows under the local application data folder).
    /// </summary>
    public static string DefaultPath()
    {
        if (OperatingSystem.IsWindows())
        {
            return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "iamdb", "credentials.json");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) && System.IO.Path.IsPathRooted(xdg)
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return System.IO.Path.Combine(root, "iamdb", "credentials.json");
    }

    internal bool TryRead(string key, out ClusterCredentials credentials)
    {
        lock (_gate)
        {
            foreach (var entry in Load())
            {
                if (entry.Key == key)
                {
                    credentials = entry.Credentials;
                    return true;
                }
            }
        }

        credentials = null!;
        return false;
    }

    internal void Write(string key, ClusterCredentials credentials)
    {
        lock (_gate)
        {
            var entries = Load().Where(e => e.Key != key).ToList();
            entries.Add(new Entry(key, credentials));
            Save(entries);
        }
    }

    internal void Remove(string key)
    {
        lock (_gate)
        {
            var entries = Load();
            if (entries.RemoveAll(e => e.Key == key) > 0)
            {
                Save(entries);
            }
        }
    }

    private List<Entry> Load()
    {
        var entries = new List<Entry>();
        if (!File.Exists(Path))
        {
            return entries;
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(Path) & NotForOthers) != 0)
        {
            // Someone else may have read it: never trust (or reuse) what it holds.
            return entries;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("format", out var format) || format.GetString() != FormatName ||
                !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FormatVersion ||
                !root.TryGetProperty("entries", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return entries;
            }

            var now = _time.GetUtcNow();
            foreach (var item in list.EnumerateArray())
            {
                var key = item.TryGetProperty("key", out var k) ? k.GetString() : null;
                var user = item.TryGetProperty("dbUser", out var u) ? u.GetString() : null;
                var password = item.TryGetProperty("dbPassword", out var p) ? p.GetString() : null;
                var expirationText = item.TryGetProperty("expiration", out var x) ? x.GetString() : null;
                if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password) ||
                    !QueryTimestamps.TryParse(expirationText, out var expiration) || expiration <= now)
                {
                    continue;
                }

                entries.Add(new Entry(key, new ClusterCredentials(user, password, expiration)));
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            // A damaged or foreign file is a cache miss, not a failure; the next write replaces it.
            entries.Clear();
        }

        return entries;
    }

    private void Save(List<Entry> entries)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, DirectoryMode);
            }
        }

        var temporary = Path + "." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFileMode;
        }

        var now = _time.GetUtcNow();
        using (var stream = new FileStream(temporary, options))
        {
            if (!OperatingSystem.IsWindows())
            {
                // An old temp file keeps its mode on FileMode.Create; make sure.
                File.SetUnixFileMode(stream.SafeFileHandle, PrivateFileMode);
            }

            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", FormatVersion);
            json.WriteStartArray("entries");
            foreach (var entry in entries.Where(e => e.Credentials.Expiration > now))
            {
                json.WriteStartObject();
                json.WriteString("key", entry.Key);
                json.WriteString("dbUser", entry.Credentials.DbUser);
                json.WriteString("dbPassword", entry.Credentials.DbPassword);
                json.WriteString("expiration", QueryTimestamps.Format(entry.Credentials.Expiration));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private sealed record Entry(string Key, ClusterCredentials Credentials);
}
