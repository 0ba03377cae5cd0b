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
    /// <c>MalformedQueryString</c> wording in <paramref name="error"/>. The bytes are exactly those of
    /// <see cref="TryDecodeToUtf8(ReadOnlySpan{char}, bool, Span{byte}, out int, out string?)"/>, which SigV4
    /// canonicalization encodes again: what a signature covers and what the broker reads are one decoding.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> value, bool plusIsSpace, out string decoded, out string? error)
    {
        // Fast path: nothing to decode, and no surrogate (a lone one is read as U+FFFD, as its UTF-8 encoding is).
        var special = plusIsSpace ? value.IndexOfAny('%', '+') : value.IndexOf('%');
        if (special < 0 && !value.ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            decoded = value.ToString();
            error = null;
            return true;
        }

        var rented = ArrayPool<byte>.Shared.Rent(value.Length * 3);
        try
        {
            if (!TryDecodeToUtf8(value, plusIsSpace, rented, out var written, out error))
            {
                decoded = string.Empty;
                return false;
            }

            decoded = System.Text.Encoding.UTF8.GetString(rented, 0, written);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Percent-decodes <paramref name="value"/> into UTF-8 bytes (no <c>+</c> handling: a plus stays a plus, as
    /// SigV4 requires). Characters outside ASCII are written as their UTF-8 bytes. Fails like
    /// <see cref="TryDecode"/> on truncated or non-hex escapes and on bytes that are not valid UTF-8.
    /// </summary>
    /// <param name="value">The raw text.</param>
    /// <param name="destination">Receives the bytes; <c>value.Length * 3</c> bytes always suffice.</param>
    /// <param name="written">How many bytes were written.</param>
    /// <param name="error">AWS's <c>MalformedQueryString</c> wording when decoding fails.</param>
    public static bool TryDecodeToUtf8(ReadOnlySpan<char> value, Span<byte> destination, out int written, out string? error) =>
        TryDecodeToUtf8(value, plusIsSpace: false, destination, out written, out error);

    /// <summary>
    /// Percent-decodes <paramref name="value"/> into UTF-8 bytes; <c>+</c> becomes a space when
    /// <paramref name="plusIsSpace"/> is set (form bodies) and stays a plus otherwise (query strings, as SigV4 reads them).
    /// </summary>
    /// <param name="value">The raw text.</param>
    /// <param name="plusIsSpace">Whether <c>+</c> means a space.</param>
    /// <param name="destination">Receives the bytes; <c>value.Length * 3</c> bytes always suffice.</param>
    /// <param name="written">How many bytes were written.</param>
    /// <param name="error">AWS's <c>MalformedQueryString</c> wording when decoding fails.</param>
    public static bool TryDecodeToUtf8(ReadOnlySpan<char> value, bool plusIsSpace, Span<byte> destination, out int written, out string? error)
    {
        var n = 0;
        var i = 0;
        while (i < value.Length)
        {
            var next = plusIsSpace ? value[i..].IndexOfAny('%', '+') : value[i..].IndexOf('%');
            var plain = next < 0 ? value[i..] : value.Slice(i, next);
            if (!plain.IsEmpty)
            {
                // Whole runs, so a surrogate pair is encoded as one character.
                n += System.Text.Encoding.UTF8.GetBytes(plain, destination[n..]);
                i += plain.Length;
            }

            if (next < 0)
            {
                break;
            }

            if (value[i] == '+')
            {
                destination[n++] = (byte)' ';
                i++;
                continue;
            }

            if (i + 2 >= value.Length)
            {
                written = 0;
                error = "Incomplete trailing escape (%) pattern";
                return false;
            }

            var hi = HexValue(value[i + 1]);
            var lo = HexValue(value[i + 2]);
            if (hi < 0 || lo < 0)
            {
                written = 0;
                error = $"Illegal hex characters in escape (%) pattern - {value.Slice(i, 3)}";
                return false;
            }

            destination[n++] = (byte)((hi << 4) | lo);
            i += 3;
        }

        if (!System.Text.Unicode.Utf8.IsValid(destination[..n]))
        {
            written = 0;
            error = "The request contains bytes that are not valid UTF-8 after percent-decoding";
            return false;
        }

        written = n;
        error = null;
        return true;
    }

    /// <summary>
    /// Percent-encodes UTF-8 bytes into <paramref name="destination"/> (which needs <c>3 * utf8.Length</c> bytes):
    /// unreserved ASCII stays, every other byte becomes <c>%XX</c>; <c>/</c> stays when <paramref name="keepSlash"/> is set.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static int EncodeUtf8(ReadOnlySpan<byte> utf8, Span<byte> destination, bool keepSlash = false)
    {
        var n = 0;
        foreach (var b in utf8)
        {
            if (b < 0x80 && (UnreservedBytes.Contains(b) || (keepSlash && b == (byte)'/')))
            {
                destination[n++] = b;
            }
            else
            {
                destination[n] = (byte)'%';
                destination[n + 1] = (byte)Hex[b >> 4];
                destination[n + 2] = (byte)Hex[b & 0xF];
                n += 3;
            }
        }

        return n;
    }

    private static readonly SearchValues<byte> UnreservedBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"u8);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
