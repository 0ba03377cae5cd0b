using System.Buffers;
using System.Text;

namespace IamDb.Aws.Encoding;

/// <summary>
/// RFC 3986 percent-encoding as SigV4 and the Query protocol use it: unreserved characters
/// (<c>A-Z a-z 0-9 - _ . ~</c>) stay, every other UTF-8 byte becomes <c>%XX</c> with uppercase hex.
/// </summary>
public static class PercentEncoding
{
    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");

    private const string Hex = "0123456789ABCDEF";

    /// <summary>True when <paramref name="c"/> is RFC 3986 unreserved.</summary>
    public static bool IsUnreserved(char c) => Unreserved.Contains(c);

    /// <summary>Encodes <paramref name="value"/>; <c>/</c> is kept when <paramref name="keepSlash"/> is set (paths).</summary>
    public static string Encode(ReadOnlySpan<char> value, bool keepSlash = false)
    {
        var sb = new StringBuilder(value.Length + 8);
        AppendEncoded(sb, value, keepSlash);
        return sb.ToString();
    }

    /// <summary>Appends the encoding of <paramref name="value"/> to <paramref name="sb"/>.</summary>
    public static void AppendEncoded(StringBuilder sb, ReadOnlySpan<char> value, bool keepSlash = false)
    {
        ArgumentNullException.ThrowIfNull(sb);
        if (value.IndexOfAnyExcept(Unreserved) < 0)
        {
            sb.Append(value);
            return;
        }

        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (Unreserved.Contains(c) || (keepSlash && c == '/'))
            {
                sb.Append(c);
                continue;
            }

            int written;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                written = System.Text.Encoding.UTF8.GetBytes(value.Slice(i, 2), utf8);
                i++;
            }
            else
            {
                // A lone surrogate encodes as U+FFFD, as UTF8Encoding's default replacement does.
                written = System.Text.Encoding.UTF8.GetBytes(value.Slice(i, 1), utf8);
            }

            for (var b = 0; b < written; b++)
            {
                sb.Append('%').Append(Hex[utf8[b] >> 4]).Append(Hex[utf8[b] & 0xF]);
            }
        }
    }

    /// <summary>
    /// Decodes <c>%XX</c> escapes and, when <paramref name="plusIsSpace"/> is set (form bodies), <c>+</c> as space.
    /// Fails on a truncated or non-hex escape and on bytes that are not valid UTF-8, with AWS's
    /// <c>MalformedQueryString</c> wording in <paramref name="error"/>.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> value, bool plusIsSpace, out string decoded, out string? error)
    {
        var firstSpecial = plusIsSpace ? value.IndexOfAny('%', '+') : value.IndexOf('%');
        if (firstSpecial < 0)
        {
            decoded = value.ToString();
            error = null;
            return true;
        }

        var bytes = new byte[System.Text.Encoding.UTF8.GetMaxByteCount(value.Length)];
        var n = System.Text.Encoding.UTF8.GetBytes(value[..firstSpecial], bytes);
        for (var i = firstSpecial; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length)
                {
                    decoded = string.Empty;
                    error = "Incomplete trailing escape (%) pattern";
                    return false;
                }

                var hi = HexValue(value[i + 1]);
                var lo = HexValue(value[i + 2]);
                if (hi < 0 || lo < 0)
                {
                    decoded = string.Empty;
                    error = $"Illegal hex characters in escape (%) pattern - {value.Slice(i, 3)}";
                    return false;
                }

                bytes[n++] = (byte)((hi << 4) | lo);
                i += 2;
            }
            else if (c == '+' && plusIsSpace)
            {
                bytes[n++] = (byte)' ';
            }
            else
            {
                n += System.Text.Encoding.UTF8.GetBytes(value.Slice(i, 1), bytes.AsSpan(n));
            }
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, n);
        }
        catch (DecoderFallbackException)
        {
            decoded = string.Empty;
            error = "The request contains bytes that are not valid UTF-8 after percent-decoding";
            return false;
        }

        error = null;
        return true;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
