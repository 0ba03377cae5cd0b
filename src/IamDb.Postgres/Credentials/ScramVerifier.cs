using System.Security.Cryptography;
using System.Text;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// A SCRAM-SHA-256 verifier in PostgreSQL's stored form, <c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c>
/// (RFC 5802 section 3 with SHA-256 as RFC 7677 specifies). Computing it here means the server, its statement log and
/// its replication stream only ever see the verifier, never the password.
/// </summary>
internal static class ScramVerifier
{
    /// <summary>PostgreSQL's default <c>scram_iterations</c> and RFC 7677's recommended minimum.</summary>
    public const int DefaultIterations = 4096;

    /// <summary>PostgreSQL's salt length (SCRAM_DEFAULT_SALT_LEN).</summary>
    public const int SaltBytes = 16;

    /// <summary>The keys RFC 5802 derives from a password; the verifier stores the last two.</summary>
    internal readonly record struct Keys(byte[] ClientKey, byte[] StoredKey, byte[] ServerKey);

    /// <summary>Creates the stored form for <paramref name="password"/> with a fresh random salt.</summary>
    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return Format(salt, iterations, Derive(password, salt, iterations));
    }

    /// <summary>
    /// The stored forms for several passwords, each with a fresh random salt: 16 at a time on <see cref="Pbkdf2Batch"/>
    /// where the vectors run in hardware, one by one otherwise.
    /// </summary>
    public static string[] CreateMany(IReadOnlyList<string> passwords, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        var verifiers = new string[passwords.Count];
        for (var from = 0; from < passwords.Count; from += Sha256Lanes.Lanes)
        {
            var count = Math.Min(Sha256Lanes.Lanes, passwords.Count - from);
            var salts = new byte[count][];
            var secrets = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                salts[i] = RandomNumberGenerator.GetBytes(SaltBytes);
                secrets[i] = Encoding.UTF8.GetBytes(passwords[from + i]);
            }

            var salted = Sha256Lanes.IsAccelerated
                ? Pbkdf2Batch.Derive(secrets, salts, iterations)
                : [.. secrets.Select((secret, i) => Rfc2898DeriveBytes.Pbkdf2(secret, salts[i], iterations, HashAlgorithmName.SHA256, 32))];
            for (var i = 0; i < count; i++)
            {
                verifiers[from + i] = Format(salts[i], iterations, KeysFromSalted(salted[i]));
                CryptographicOperations.ZeroMemory(salted[i]);
                CryptographicOperations.ZeroMemory(secrets[i]);
            }
        }

        return verifiers;
    }

    /// <summary>The stored form for given salt and keys.</summary>
    public static string Format(byte[] salt, int iterations, Keys keys) =>
        $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(keys.StoredKey)}:{Convert.ToBase64String(keys.ServerKey)}";

    /// <summary>
    /// SaltedPassword = Hi(password, salt, i) (PBKDF2 with HMAC-SHA-256), ClientKey = HMAC(SaltedPassword, "Client Key"),
    /// StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
    /// </summary>
    /// <remarks>
    /// RFC 5802 runs the password through SASLprep first. IamDb's passwords are printable ASCII (base64url), which SASLprep
    /// leaves unchanged, so the UTF-8 bytes are used as they are, exactly as PostgreSQL and its clients do for such strings.
    /// </remarks>
    public static Keys Derive(string password, byte[] salt, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var keys = KeysFromSalted(salted);
        CryptographicOperations.ZeroMemory(salted);
        return keys;
    }

    private static Keys KeysFromSalted(byte[] salted)
    {
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        return new Keys(clientKey, SHA256.HashData(clientKey), HMACSHA256.HashData(salted, "Server Key"u8));
    }
}
