using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace IamDb.Broker.Secrets;

/// <summary>
/// AES-256-GCM encryption of secrets at rest. Layout of a protected value:
/// <c>[format 1 byte][key id 1 byte][nonce 12][ciphertext][tag 16]</c>. The associated data is the
/// format, the key id and the owning record's identity (for example <c>iam-access-key:AKIA…</c>), so a
/// ciphertext copied into another row fails to decrypt.
/// </summary>
internal sealed class SecretProtector
{
    private const byte FormatVersion = 1;
    private const int HeaderLength = 2;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    private readonly byte[] _key;

    public SecretProtector(MasterKey masterKey, byte keyId = 1)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        _key = masterKey.Bytes.ToArray();
        KeyId = keyId;
    }

    /// <summary>The key version written into every value, for a later key rotation.</summary>
    public byte KeyId { get; }

    /// <summary>Encrypts <paramref name="secret"/> bound to <paramref name="context"/>.</summary>
    public byte[] Protect(SecretString secret, string context)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Protect(Encoding.UTF8.GetBytes(secret.Reveal()), context);
    }

    /// <summary>Encrypts raw bytes bound to <paramref name="context"/>.</summary>
    public byte[] Protect(ReadOnlySpan<byte> plaintext, string context)
    {
        var output = new byte[HeaderLength + NonceLength + plaintext.Length + TagLength];
        output[0] = FormatVersion;
        output[1] = KeyId;
        var nonce = output.AsSpan(HeaderLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = output.AsSpan(HeaderLength + NonceLength, plaintext.Length);
        var tag = output.AsSpan(HeaderLength + NonceLength + plaintext.Length, TagLength);
        using var aes = new AesGcm(_key, TagLength);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(FormatVersion, KeyId, context));
        return output;
    }

    /// <summary>Decrypts a value written by <see cref="Protect(SecretString, string)"/> for the same context.</summary>
    public SecretString UnprotectString(byte[] protectedValue, string context) =>
        new(Encoding.UTF8.GetString(Unprotect(protectedValue, context)));

    /// <summary>Decrypts a value; throws <see cref="SecretDecryptionException"/> on any mismatch.</summary>
    public byte[] Unprotect(byte[] protectedValue, string context)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        if (protectedValue.Length < HeaderLength + NonceLength + TagLength
            || protectedValue[0] != FormatVersion
            || protectedValue[1] != KeyId)
        {
            throw new SecretDecryptionException(context);
        }

        var length = protectedValue.Length - HeaderLength - NonceLength - TagLength;
        var span = protectedValue.AsSpan();
        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(_key, TagLength);
            aes.Decrypt(
                span.Slice(HeaderLength, NonceLength),
                span.Slice(HeaderLength + NonceLength, length),
                span.Slice(HeaderLength + NonceLength + length, TagLength),
                plaintext,
                AssociatedData(protectedValue[0], protectedValue[1], context));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretDecryptionException(context);
        }

        return plaintext;
    }

    /// <summary>
    /// Decrypts a value written under this protector's key and encrypts it again under <paramref name="target"/>'s, bound
    /// to the same <paramref name="context"/> (master key rotation). The plaintext is wiped before returning.
    /// </summary>
    /// <exception cref="SecretDecryptionException">the value does not decrypt under this key.</exception>
    public byte[] Reencrypt(byte[] protectedValue, string context, SecretProtector target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var plaintext = Unprotect(protectedValue, context);
        try
        {
            return target.Protect(plaintext, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] AssociatedData(byte format, byte keyId, string context)
    {
        var contextBytes = Encoding.UTF8.GetBytes(context);
        var data = new byte[HeaderLength + sizeof(int) + contextBytes.Length];
        data[0] = format;
        data[1] = keyId;
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(HeaderLength), contextBytes.Length);
        contextBytes.CopyTo(data.AsSpan(HeaderLength + sizeof(int)));
        return data;
    }
}
