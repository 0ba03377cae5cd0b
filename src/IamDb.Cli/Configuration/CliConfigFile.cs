using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IamDb.Cli.Output;
using Tomlyn;
using Tomlyn.Model;

namespace IamDb.Cli.Configuration;

/// <summary>
/// The user's iamdb configuration (<c>$IAMDB_CONFIG</c>, else <c>$XDG_CONFIG_HOME/iamdb/config.toml</c>, else
/// <c>~/.config/iamdb/config.toml</c>): saved environments as <c>[env.NAME]</c> tables. Writes are atomic (a temporary
/// file renamed over the old one), and a file that does not parse is never overwritten.
/// </summary>
internal static partial class CliConfigFile
{
    private static readonly string[] KnownKeys =
        ["endpoint_url", "region", "cluster", "db_name", "db_user", "db_groups", "auto_create", "duration_seconds", "profile", "ca_bundle", "oidc_issuer", "oidc_client_id", "role_arn"];

    /// <summary>The configuration file this process uses.</summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable("IAMDB_CONFIG") is { Length: > 0 } explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var baseDir = xdg is { Length: > 0 } && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(baseDir, "iamdb", "config.toml");
    }

    /// <summary>True when <paramref name="name"/> can name an environment.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Reads every environment; a missing file has none. A broken file is an error naming the file.</summary>
    public static IReadOnlyList<CliEnvironment> Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {ex.Message}");
        }

        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(text, (TomlSerializerOptions?)null) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new CliException($"{path} is not valid TOML (fix or move it; iamdb will not overwrite it): {ex.Message}");
        }

        var errors = new List<string>();
        var environments = new List<CliEnvironment>();
        if (root.TryGetValue("env", out var envValue))
        {
            if (envValue is not TomlTable envTable)
            {
                throw new CliException($"{path}: `env` must be a table of environments ([env.NAME]).");
            }

            foreach (var (name, value) in envTable)
            {
                if (value is not TomlTable table)
                {
                    errors.Add($"env.{name} must be a table");
                    continue;
                }

                if (ReadEnvironment(name, table, errors) is { } environment)
                {
                    environments.Add(environment);
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new CliException($"{path} has problems (fix them; iamdb will not overwrite it): {string.Join("; ", errors)}.");
        }

        return environments;
    }

    /// <summary>Finds one environment by name or fails with the names that exist.</summary>
    public static CliEnvironment Find(string path, string name)
    {
        var environments = Load(path);
        return environments.FirstOrDefault(e => e.Name == name)
            ?? throw new CliException(UnknownMessage(name, environments, path));
    }

    /// <summary>The message for an environment name that is not in the file.</summary>
    public static string UnknownMessage(string name, IReadOnlyList<CliEnvironment> environments, string path) =>
        environments.Count == 0
            ? $"no environment named '{name}': {path} has none yet (add one with `iamdb env add {name} ...`)."
            : $"no environment named '{name}' in {path}; known: {string.Join(", ", environments.Select(e => e.Name))}.";

    /// <summary>Writes the environments atomically (mode 0600), keeping the previous file as <c>config.toml.bak</c>.</summary>
    public static void Save(string path, IReadOnlyList<CliEnvironment> environments)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                writer.Write(Render(environments));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            if (File.Exists(path))
            {
                File.Copy(path, path + ".bak", overwrite: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new CliException($"cannot write {path}: {ex.Message}");
        }
    }

    /// <summary>The TOML text of a set of environments.</summary>
    internal static string Render(IReadOnlyList<CliEnvironment> environments)
    {
        var text = new StringBuilder();
        text.Append("# iamdb environments: `iamdb env add|remove` edit this file; `iamdb --env NAME ...` uses one.\n");
        foreach (var env in environments.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n[env.{Quote(env.Name)}]\n");
            Line(text, "endpoint_url", env.EndpointUrl);
            Line(text, "region", env.Region);
            Line(text, "cluster", env.Cluster);
            Line(text, "db_name", env.DbName);
            Line(text, "db_user", env.DbUser);
            if (env.DbGroups.Count > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"db_groups = [{string.Join(", ", env.DbGroups.Select(Quote))}]\n");
            }

            if (env.AutoCreate)
            {
                text.Append("auto_create = true\n");
            }

            if (env.DurationSeconds is { } duration)
            {
                text.Append(CultureInfo.InvariantCulture, $"duration_seconds = {duration}\n");
            }

            Line(text, "profile", env.Profile);
            Line(text, "ca_bundle", env.CaBundle);
            Line(text, "oidc_issuer", env.OidcIssuer);
            Line(text, "oidc_client_id", env.OidcClientId);
            Line(text, "role_arn", env.RoleArn);
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"{key} = {Quote(value)}\n");
        }
    }

    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case < ' ' or '\u007f': quoted.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"); break;
                default: quoted.Append(c); break;
            }
        }

        return quoted.Append('"').ToString();
    }

    private static CliEnvironment? ReadEnvironment(string name, TomlTable table, List<string> errors)
    {
        var before = errors.Count;
        foreach (var key in table.Keys.Where(k => !KnownKeys.Contains(k)))
        {
            errors.Add($"env.{name}: unknown key `{key}` (known: {string.Join(", ", KnownKeys)})");
        }

        string? Text(string key)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return null;
            }

            if (value is string s)
            {
                return s;
            }

            errors.Add($"env.{name}.{key} must be a string");
            return null;
        }

        var cluster = Text("cluster");
        var dbUser = Text("db_user");
        if (cluster is null)
        {
            errors.Add($"env.{name}: `cluster` is required");
        }

        if (dbUser is null)
        {
            errors.Add($"env.{name}: `db_user` is required");
        }

        var groups = new List<string>();
        if (table.TryGetValue("db_groups", out var groupsValue))
        {
            if (groupsValue is TomlArray array && array.All(v => v is string))
            {
                groups.AddRange(array.Cast<string>());
            }
            else
            {
                errors.Add($"env.{name}.db_groups must be an array of strings");
            }
        }

        var autoCreate = false;
        if (table.TryGetValue("auto_create", out var autoValue))
        {
            if (autoValue is bool b)
            {
                autoCreate = b;
            }
            else
            {
                errors.Add($"env.{name}.auto_create must be true or false");
            }
        }

        int? duration = null;
        if (table.TryGetValue("duration_seconds", out var durationValue))
        {
            if (durationValue is long l and >= 900 and <= 3600)
            {
                duration = (int)l;
            }
            else
            {
                errors.Add($"env.{name}.duration_seconds must be a whole number from 900 to 3600");
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new CliEnvironment(name, Text("endpoint_url"), Text("region"), cluster!, Text("db_name"), dbUser!, groups, autoCreate, duration, Text("profile"), Text("ca_bundle"),
            Text("oidc_issuer"), Text("oidc_client_id"), Text("role_arn"));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();
}
