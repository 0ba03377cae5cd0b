namespace IamDb.Cli.Configuration;

/// <summary>
/// What <c>iamdb up</c> leaves in its data directory for other iamdb commands: the AWS <c>credentials</c> and
/// <c>config</c> files (profile <c>iamdb</c>) written by the broker, and an <c>endpoint</c> file with the URL it
/// serves while it runs.
/// </summary>
internal static class LocalBroker
{
    /// <summary>The profile the broker writes for its root access key.</summary>
    public const string ProfileName = "iamdb";

    /// <summary>The file holding the running broker's endpoint URL.</summary>
    public const string EndpointFileName = "endpoint";

    /// <summary>The data directory: <c>$IAMDB_DATA_DIR</c>, else <c>$XDG_DATA_HOME/iamdb</c>, else <c>~/.local/share/iamdb</c> (as the broker).</summary>
    public static string DataDirectory()
    {
        if (Environment.GetEnvironmentVariable("IAMDB_DATA_DIR") is { Length: > 0 } explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "iamdb");
    }

    /// <summary>Records the endpoint of a broker that just started; returns the file's path.</summary>
    public static string WriteEndpointFile(string dataDirectory, string endpoint)
    {
        var path = Path.Combine(dataDirectory, EndpointFileName);
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // every file in the data directory is private
        }

        using (var writer = new StreamWriter(temp, options))
        {
            writer.Write(endpoint + "\n");
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Removes the endpoint file on shutdown, unless another broker has replaced it since.</summary>
    public static void DeleteEndpointFile(string path, string endpoint)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() == endpoint)
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Best effort: a stale file only makes the next command fail to connect with a clear message.
        }
    }

    /// <summary>The endpoint of the broker running on <paramref name="dataDirectory"/>, if one recorded it.</summary>
    public static string? ReadEndpoint(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, EndpointFileName);
        return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } url ? url : null;
    }
}
