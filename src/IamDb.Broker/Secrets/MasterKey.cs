using System.Security.Cryptography;
using System.Text;

namespace IamDb.Broker.Secrets;

/// <summary>
/// The 32-byte AES-256 key that encrypts secrets at rest. It comes from <c>IAMDB_MASTER_KEY</c> (base64 of
/// 32 bytes) or, failing that, from <c>master.key</c> in the data directory, generated on first use with
/// mode 0600. <see cref="ToString"/> never shows the key.
/// </summary>
internal sealed class MasterKey
{
    /// <summary>The environment variable that holds a base64 master key.</summary>
    public const string EnvironmentVariable = "IAMDB_MASTER_KEY";

    /// <summary>The key file's name inside the data directory.</summary>
    public const string FileName = "master.key";

    /// <summary>Key length in bytes (AES-256).</summary>
    public const int Length = 32;

    private readonly byte[] _key;

    public MasterKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != Length)
        {
            throw new MasterKeyException($"a master key must be exactly {Length} bytes, not {key.Length}");
        }

        _key = key.ToArray();
    }

    /// <summary>Where the key came from, for messages: the environment variable or the key file path.</summary>
    public string Source { get; private init; } = "memory";

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>A fresh random key.</summary>
    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Parses the base64 text of a key; <paramref name="source"/> names it in error messages.</summary>
    public static MasterKey Parse(string base64, string source)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new MasterKeyException($"{source} is not valid base64: it must be the base64 encoding of {Length} random bytes (for example: openssl rand -base64 32)");
        }

        if (bytes.Length != Length)
        {
            CryptographicOperations.ZeroMemory(bytes);
            throw new MasterKeyException($"{source} decodes to {bytes.Length} bytes, but the master key must be exactly {Length} bytes (for example: openssl rand -base64 32)");
        }

        return new MasterKey(bytes) { Source = source };
    }

    /// <summary>
    /// Loads the master key: from <c>IAMDB_MASTER_KEY</c> when <paramref name="getEnvironmentVariable"/>
    /// returns it, else from <c>master.key</c> in <paramref name="dataDirectory"/>, creating that file
    /// (mode 0600, atomically) when it does not exist yet.
    /// </summary>
    public static MasterKey Load(string dataDirectory, Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        var fromEnvironment = getEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Parse(fromEnvironment, EnvironmentVariable);
        }

        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            CreateKeyFile(path);
        }

        return ReadKeyFile(path);
    }

    public override string ToString() => $"MasterKey({Source}, {SecretString.Redacted})";

    private static MasterKey ReadKeyFile(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new MasterKeyException($"the master key file {path} is accessible to other users; run: chmod 600 {path}");
            }
        }

        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.ASCII);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MasterKeyException($"the master key file {path} cannot be read: {e.Message}", e);
        }

        return Parse(text, path);
    }

    // Write to a private temp file (0600 from the moment it exists), flush it to disk, then link it into
    // place without overwriting: two processes racing here both end up using the one key that won.
    private static void CreateKeyFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var key = RandomNumberGenerator.GetBytes(Length);
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"));
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created the key first; use theirs.
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            File.Delete(temp);
        }
    }
}
