namespace IamDb.Client.Tls;

/// <summary>Reads single settings of the AWS config file (INI: <c>[default]</c>, <c>[profile NAME]</c>, <c>key = value</c>).</summary>
internal static class AwsConfigFile
{
    /// <summary><c>AWS_CONFIG_FILE</c>, else <c>~/.aws/config</c>.</summary>
    public static string Path() =>
        Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "config");

    /// <summary>The value of <paramref name="key"/> in <paramref name="profile"/>'s section, or null (also for a missing file).</summary>
    public static string? ProfileValue(string path, string profile, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var section = profile == "default" ? "default" : "profile " + profile;
        var inSection = false;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                var name = string.Join(' ', line[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                inSection = name == section;
                continue;
            }

            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (inSection && parts.Length == 2 && parts[0] == key)
            {
                return parts[1];
            }
        }

        return null;
    }
}
