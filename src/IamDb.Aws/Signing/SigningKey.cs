using System.Security.Cryptography;

namespace IamDb.Aws.Signing;

/// <summary>SigV4's derived key: <c>HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")</c>.</summary>
internal static class SigningKey
{
    public const int Size = 32;

    public static void Derive(
        ReadOnlySpan<char> secretAccessKey, ReadOnlySpan<char> date, ReadOnlySpan<char> region, ReadOnlySpan<char> service,
        Span<byte> destination)
    {
        var keyLength = System.Text.Encoding.UTF8.GetMaxByteCount(secretAccessKey.Length) + 4;
        Span<byte> key = keyLength <= 256 ? stackalloc byte[keyLength] : new byte[keyLength];
        "AWS4"u8.CopyTo(key);
        var written = 4 + System.Text.Encoding.UTF8.GetBytes(secretAccessKey, key[4..]);

        Span<byte> current = stackalloc byte[Size];
        Mac(key[..written], date, current);
        CryptographicOperations.ZeroMemory(key);
        Mac(current, region, current);
        Mac(current, service, current);
        HMACSHA256.HashData(current, "aws4_request"u8, destination);
        CryptographicOperations.ZeroMemory(current);
    }

    private static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<char> text, Span<byte> destination)
    {
        Span<byte> data = stackalloc byte[256];
        var bytes = text.Length * 3 <= data.Length ? data : new byte[text.Length * 3];
        var n = System.Text.Encoding.UTF8.GetBytes(text, bytes);

        // HashData reads the key before writing the result, so key and destination may overlap.
        Span<byte> result = stackalloc byte[Size];
        HMACSHA256.HashData(key, bytes[..n], result);
        result.CopyTo(destination);
    }
}
