using System.Security.Cryptography;

namespace IamDb.Aws.Signing;

/// <summary>The steps after the canonical request: string to sign and HMAC, shared by signer and verifier.</summary>
internal static class SignatureComputation
{
    /// <summary>Upper bound of a string to sign for the given scope parts (all ASCII in practice; UTF-8 allowed).</summary>
    public static int MaxStringToSignLength(int regionLength, int serviceLength) =>
        SigV4Constants.Algorithm.Length + 1 + AmzDate.Length + 1 + ((8 + 1 + regionLength + 1 + serviceLength + 1 + 12) * 3) + 1 + 64;

    /// <summary>
    /// Writes <c>AWS4-HMAC-SHA256 \n amzDate \n date/region/service/aws4_request \n hex(SHA-256(canonical request))</c>.
    /// </summary>
    public static void WriteStringToSign(
        ref Utf8Builder builder, ReadOnlySpan<char> amzDate, ReadOnlySpan<char> region, ReadOnlySpan<char> service,
        ReadOnlySpan<byte> canonicalRequestHash)
    {
        builder.Append("AWS4-HMAC-SHA256\n"u8);
        builder.Append(amzDate);
        builder.Append((byte)'\n');
        builder.Append(amzDate[..8]);
        builder.Append((byte)'/');
        builder.Append(region);
        builder.Append((byte)'/');
        builder.Append(service);
        builder.Append("/aws4_request\n"u8);
        builder.AppendHex(canonicalRequestHash);
    }

    /// <summary>Writes the 64 lowercase hex characters (as ASCII bytes) of HMAC(signingKey, stringToSign).</summary>
    public static void WriteSignatureHex(ReadOnlySpan<byte> signingKey, ReadOnlySpan<byte> stringToSign, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(signingKey, stringToSign, mac);
        HexLower.Write(mac, destination);
    }
}
