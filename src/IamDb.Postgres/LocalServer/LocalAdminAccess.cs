using System.Globalization;
using System.Text;

namespace IamDb.Postgres.LocalServer;

/// <summary>
/// The administrator's way into a local server that IamDb runs: a libpq password file (<c>local-cluster.pgpass</c>, mode
/// 0600) and a copy of the server's CA certificate in a directory the owner alone can enter, and the libpq URI that
/// uses them. The URI itself carries no password, so it can be printed and pasted (<c>psql "$(…)"</c>); only a user who
/// can read the password file — the owner of the directory — can log in with it. TCP over TLS (verify-full), because
/// the server listens on no Unix socket.
/// </summary>
public static class LocalAdminAccess
{
    /// <summary>The password file's name, in libpq's <c>host:port:database:user:password</c> format.</summary>
    public const string PasswordFileName = "local-cluster.pgpass";

    /// <summary>The CA certificate the URI verifies the server against.</summary>
    public const string RootCertificateFileName = "local-cluster-root.crt";

    /// <summary>
    /// Writes (replaces) the password file as 0600 and the CA certificate next to it (deleted when
    /// <paramref name="rootCertificatePem"/> is null: the URI then asks for TLS without verifying).
    /// </summary>
    /// <param name="directory">Where to write; its owner is the one user meant to read the password.</param>
    /// <param name="host">The server's address.</param>
    /// <param name="port">The server's port.</param>
    /// <param name="user">The superuser.</param>
    /// <param name="password">The superuser's password.</param>
    /// <param name="rootCertificatePem">The CA that issued the server's certificate, or null.</param>
    public static void Write(string directory, string host, int port, string user, string password, string? rootCertificatePem)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(password);
        var line = string.Create(CultureInfo.InvariantCulture, $"{Escape(host)}:{port}:*:{Escape(user)}:{Escape(password)}\n");
        WritePrivate(Path.Combine(directory, PasswordFileName), line);
        var ca = Path.Combine(directory, RootCertificateFileName);
        if (rootCertificatePem is null)
        {
            File.Delete(ca);
        }
        else
        {
            WritePrivate(ca, rootCertificatePem);
        }
    }

    /// <summary>Removes the password file and the certificate (the server they lead to stopped).</summary>
    /// <param name="directory">Where <see cref="Write"/> wrote them.</param>
    public static void Delete(string directory)
    {
        File.Delete(Path.Combine(directory, PasswordFileName));
        File.Delete(Path.Combine(directory, RootCertificateFileName));
    }

    /// <summary>
    /// The libpq URI for the superuser on <paramref name="database"/>: <c>postgresql://postgres@127.0.0.1:PORT/DB?sslmode=…&amp;passfile=…</c>;
    /// null when <paramref name="directory"/> holds no password file.
    /// </summary>
    /// <param name="directory">Where <see cref="Write"/> wrote the files.</param>
    /// <param name="database">The database to connect to.</param>
    /// <exception cref="InvalidDataException">The password file is not one <see cref="Write"/> wrote.</exception>
    public static string? Uri(string directory, string database = "postgres")
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        var passfile = Path.GetFullPath(Path.Combine(directory, PasswordFileName));
        if (!File.Exists(passfile))
        {
            return null;
        }

        var fields = Split(File.ReadLines(passfile).FirstOrDefault() ?? "");
        if (fields.Count != 5 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new InvalidDataException($"{passfile} is not a password file IamDb wrote (host:port:*:user:password).");
        }

        var ca = Path.GetFullPath(Path.Combine(directory, RootCertificateFileName));
        var tls = File.Exists(ca) ? $"sslmode=verify-full&sslrootcert={Encode(ca)}" : "sslmode=require";
        var host = fields[0].Contains(':', StringComparison.Ordinal) ? $"[{fields[0]}]" : fields[0];
        return string.Create(
            CultureInfo.InvariantCulture,
            $"postgresql://{Encode(fields[3])}@{host}:{port}/{Encode(database)}?{tls}&passfile={Encode(passfile)}");
    }

    private static string Encode(string text) => System.Uri.EscapeDataString(text);

    // libpq's password file escapes ':' and '\' with a backslash.
    private static string Escape(string field) => field.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (line[i] == ':')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(line[i]);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }

    // Written to a temporary file created 0600, then moved over the old one: never readable by others, never half-written.
    private static void WritePrivate(string path, string content)
    {
        var tmp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(tmp, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(content);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
