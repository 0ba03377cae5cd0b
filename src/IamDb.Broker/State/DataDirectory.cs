namespace IamDb.Broker.State;

/// <summary>
/// The broker's data directory: private to the user (0700), holding the SQLite state file and the
/// generated master key. Default <c>$XDG_DATA_HOME/iamdb</c> (usually <c>~/.local/share/iamdb</c>).
/// </summary>
internal sealed class DataDirectory
{
    /// <summary>The SQLite state file's name.</summary>
    public const string StateFileName = "state.db";

    private DataDirectory(string path) => Path = path;

    public string Path { get; }

    public string StateFilePath => System.IO.Path.Combine(Path, StateFileName);

    public string MasterKeyPath => System.IO.Path.Combine(Path, Secrets.MasterKey.FileName);

    /// <summary>The default location when no <c>--data-dir</c> is given.</summary>
    public static string DefaultPath(Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        var dataHome = getEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(dataHome))
        {
            dataHome = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return System.IO.Path.Combine(dataHome, "iamdb");
    }

    /// <summary>Creates the directory (mode 0700) if needed and returns it.</summary>
    public static DataDirectory Prepare(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
        }
        else
        {
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new DataDirectory(full);
    }

    /// <summary>Creates an empty file readable only by the owner, unless it exists already.</summary>
    internal static void CreatePrivateFile(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created concurrently by another store; fine.
        }
    }
}
