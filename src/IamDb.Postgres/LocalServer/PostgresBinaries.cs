namespace IamDb.Postgres.LocalServer;

/// <summary>
/// Where the machine's PostgreSQL server programs (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c>) live.
/// </summary>
/// <param name="BinDirectory">The directory holding <c>initdb</c> and <c>pg_ctl</c>.</param>
public sealed record PostgresBinaries(string BinDirectory)
{
    /// <summary>Environment variable that names the directory explicitly.</summary>
    public const string BinDirectoryVariable = "IAMDB_PG_BINDIR";

    /// <summary>Full path of <c>initdb</c>.</summary>
    public string InitDb => Path.Combine(BinDirectory, "initdb");

    /// <summary>Full path of <c>pg_ctl</c>.</summary>
    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>
    /// Finds the server binaries: <see cref="BinDirectoryVariable"/>, then Debian's
    /// <c>/usr/lib/postgresql/&lt;newest&gt;/bin</c>, then <c>PATH</c>. Null when there are none.
    /// </summary>
    public static PostgresBinaries? Find()
    {
        var configured = Environment.GetEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return HasServer(configured) ? new PostgresBinaries(configured) : null;
        }

        // Debian installs versioned server binaries off PATH; prefer the newest major version.
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(x => x.Version >= 0 && HasServer(x.Dir))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return new PostgresBinaries(newest.Dir);
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (HasServer(dir))
            {
                return new PostgresBinaries(dir);
            }
        }

        return null;
    }

    /// <summary>The message to show when <see cref="Find"/> returns null.</summary>
    public const string NotFoundMessage =
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with "
        + "'apt-get install postgresql' (Debian/Ubuntu), or set " + BinDirectoryVariable + " to the directory that holds them.";

    private static bool HasServer(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
}
