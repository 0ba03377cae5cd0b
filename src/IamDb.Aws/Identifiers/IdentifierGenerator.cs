using System.Security.Cryptography;

namespace IamDb.Aws.Identifiers;

/// <summary>Fills a buffer with random bytes; the seam that lets tests make identifiers deterministic.</summary>
internal delegate void RandomBytesSource(Span<byte> destination);

/// <summary>
/// Creates AWS-shaped identifiers from cryptographically secure randomness: unique ids (prefix + 17 characters of
/// <c>A–Z2–7</c>), access key ids (<c>AKIA</c>/<c>ASIA</c> + 16), secret access keys (40 of <c>A–Za–z0–9/+</c>) and
/// request ids (version-4 UUIDs). Thread-safe.
/// </summary>
internal sealed class IdentifierGenerator
{
    internal const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    internal const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    internal const int UniqueIdSuffixLength = 17;
    internal const int AccessKeySuffixLength = 16;
    internal const int SecretLength = 40;

    private readonly RandomBytesSource _random;

    /// <summary>A generator over <see cref="RandomNumberGenerator"/>.</summary>
    public static IdentifierGenerator Shared { get; } = new();

    /// <summary>Creates a generator; <paramref name="random"/> defaults to <see cref="RandomNumberGenerator.Fill"/>.</summary>
    public IdentifierGenerator(RandomBytesSource? random = null) => _random = random ?? RandomNumberGenerator.Fill;

    /// <summary>A new unique id with one of <see cref="IamIdPrefixes"/>' unique-id prefixes, e.g. <c>AIDAJQABLZS4A3QDU576Q</c>.</summary>
    public string NewUniqueId(string prefix)
    {
        if (!IamIdPrefixes.IsUniqueIdPrefix(prefix))
        {
            throw new ArgumentException("not an IAM unique-id prefix", nameof(prefix));
        }

        return prefix + RandomString(UniqueIdSuffixLength, Base32Alphabet);
    }

    /// <summary>A new user id (<c>AIDA…</c>).</summary>
    public string NewUserId() => NewUniqueId(IamIdPrefixes.User);

    /// <summary>A new group id (<c>AGPA…</c>).</summary>
    public string NewGroupId() => NewUniqueId(IamIdPrefixes.Group);

    /// <summary>A new role id (<c>AROA…</c>).</summary>
    public string NewRoleId() => NewUniqueId(IamIdPrefixes.Role);

    /// <summary>A new managed policy id (<c>ANPA…</c>).</summary>
    public string NewPolicyId() => NewUniqueId(IamIdPrefixes.Policy);

    /// <summary>A new policy version id (<c>ANVA…</c>).</summary>
    public string NewPolicyVersionId() => NewUniqueId(IamIdPrefixes.PolicyVersion);

    /// <summary>A new long-term access key id (<c>AKIA</c> + 16).</summary>
    public string NewLongTermAccessKeyId() => IamIdPrefixes.LongTermAccessKey + RandomString(AccessKeySuffixLength, Base32Alphabet);

    /// <summary>A new temporary (STS) access key id (<c>ASIA</c> + 16).</summary>
    public string NewTemporaryAccessKeyId() => IamIdPrefixes.TemporaryAccessKey + RandomString(AccessKeySuffixLength, Base32Alphabet);

    /// <summary>A new 40-character secret access key. Never log it.</summary>
    public string NewSecretAccessKey() => RandomString(SecretLength, SecretAlphabet);

    /// <summary>A new request id: a lowercase version-4 UUID, e.g. <c>f1dfd149-5bee-41e6-90ab-4b1e521fd574</c>.</summary>
    public string NewRequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>Each byte picks one character; both alphabets have a power-of-two size, so masking is unbiased.</summary>
    private string RandomString(int length, string alphabet)
    {
        Span<byte> bytes = stackalloc byte[length];
        _random(bytes);
        Span<char> chars = stackalloc char[length];
        var mask = alphabet.Length - 1;
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[bytes[i] & mask];
        }

        var result = new string(chars);
        CryptographicOperations.ZeroMemory(bytes);
        chars.Clear();
        return result;
    }
}
