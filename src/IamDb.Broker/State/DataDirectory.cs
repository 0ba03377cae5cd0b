namespace IamDb.Broker.State;

/// <summary>
/// The broker's data directory: private to the user (0700), holding the SQLite state file and the
/// generated master key. Default <c>$XDG_DATA_HOME/iamdb</c> (usually <c>~/.local/share/iamdb</c>).
/// </summary>
internal sealed class DataDirectory
{
    /// <summary>The SQLite state file's name.</summary>
    public const string StateFileName = "state.db";

    /// <summary>The managed local PostgreSQL's directory, which PostgreSQL itself keeps private.</summary>
    private const string LocalClusterDirectoryName = "postgres";

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

    /// <summary>
    /// Creates the directory (mode 0700) if needed and returns it. A directory that existed before is made private too:
    /// it and everything in it lose every group and other permission (the local cluster's <c>postgres</c> directory,
    /// which PostgreSQL keeps private itself and may belong to another user, is left alone).
    /// </summary>
    /// <exception cref="IOException">a mode cannot be changed (for example the directory belongs to another user).</exception>
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
            MakePrivate(full);
        }

        return new DataDirectory(full);
    }

    // Group and other bits of the directory and of each entry below it are cleared; links are not followed.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakePrivate(string directory)
    {
        const UnixFileMode Open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute
            | UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;
        Tighten(directory, Open);
        var pending = new Stack<string>([directory]);
        while (pending.TryPop(out var current))
        {
            foreach (var entry in new DirectoryInfo(current).EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null || (current == directory && entry.Name == LocalClusterDirectoryName))
                {
                    continue;
                }

                Tighten(entry.FullName, Open);
                if (entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                }
            }
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Tighten(string path, UnixFileMode open)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & open) == 0)
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(path, mode & ~open);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException(
                $"{path} is readable by other users (mode {Convert.ToString((int)mode, 8)}) and its mode cannot be changed ({ex.Message}); "
                + "make the data directory and its files private to the broker's user (chmod -R go-rwx) or use another --data-dir", ex);
        }
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
