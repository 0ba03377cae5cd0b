namespace IamDb.Federation.Jose;

/// <summary>
/// Base64url without padding (RFC 7515 §2), decoded strictly: only the url-safe alphabet, no padding, no whitespace,
/// and the unused low bits of the last character must be zero. Strictness makes the encoding one-to-one, so no two
/// different token texts decode to the same bytes (a flipped character can never leave the signed bytes unchanged).
/// </summary>
internal static class StrictBase64Url
{
    /// <summary>Decodes <paramref name="text"/>; false when it is not canonical unpadded base64url.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 4 == 1)
        {
            return false;
        }

        var output = new byte[text.Length / 4 * 3 + (text.Length % 4 == 0 ? 0 : text.Length % 4 - 1)];
        var buffer = 0;
        var bits = 0;
        var written = 0;
        foreach (var c in text)
        {
            var value = ValueOf(c);
            if (value < 0)
            {
                return false;
            }

            buffer = (buffer << 6) | value;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                output[written++] = (byte)(buffer >> bits);
                buffer &= (1 << bits) - 1;
            }
        }

        // Leftover bits (2 or 4) must be zero, or two texts would decode to the same bytes.
        if (buffer != 0)
        {
            return false;
        }

        bytes = output;
        return true;
    }

    /// <summary>Encodes <paramref name="bytes"/> as unpadded base64url.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static int ValueOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        '_' => 63,
        _ => -1,
    };
}
