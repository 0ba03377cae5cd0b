using System.Buffers;
using IamDb.Aws.Encoding;

namespace IamDb.Aws.Signing;

/// <summary>
/// The pieces of a SigV4 canonical request by the rules for every service except S3 (IAM, STS, Redshift):
/// path normalised then encoded, query decoded then re-encoded and sorted, header values trimmed and collapsed.
/// Shared by the signer and the verifier so both always agree.
/// </summary>
internal static class CanonicalComponents
{
    private static readonly SearchValues<char> SimplePathChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~/");

    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\r\n\v\f");

    private static readonly SearchValues<char> WhitespaceButSpace = SearchValues.Create("\t\r\n\v\f");

    /// <summary>
    /// Appends the canonical URI of a raw (as sent on the wire) path: dot segments resolved, empty segments
    /// dropped, a trailing slash kept, then every segment percent-encoded. Escapes already in the raw path are
    /// encoded again (<c>%20</c> → <c>%2520</c>), which is what the AWS SDKs do for non-S3 services.
    /// </summary>
    public static void AppendPath(ref Utf8Builder builder, ReadOnlySpan<char> rawPath)
    {
        if (rawPath.IsEmpty || rawPath is "/")
        {
            builder.Append((byte)'/');
            return;
        }

        // Common case: nothing to normalise and nothing to encode.
        if (rawPath[0] == '/' && !rawPath.ContainsAnyExcept(SimplePathChars) && !rawPath.Contains("//", StringComparison.Ordinal))
        {
            builder.Append(rawPath);
            return;
        }

        var segmentCount = rawPath.Count('/') + 1;
        Range[]? rentedRanges = null;
        var kept = segmentCount <= 32 ? stackalloc Range[32] : (rentedRanges = ArrayPool<Range>.Shared.Rent(segmentCount));
        var keptCount = 0;
        foreach (var range in rawPath.Split('/'))
        {
            var segment = rawPath[range];
            if (segment.IsEmpty || segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                keptCount = Math.Max(0, keptCount - 1);
                continue;
            }

            kept[keptCount++] = range;
        }

        if (keptCount == 0)
        {
            builder.Append((byte)'/');
        }
        else
        {
            byte[]? rentedUtf8 = null;
            var maxUtf8 = rawPath.Length * 3;
            var utf8 = maxUtf8 <= 512 ? stackalloc byte[512] : (rentedUtf8 = ArrayPool<byte>.Shared.Rent(maxUtf8));
            for (var i = 0; i < keptCount; i++)
            {
                builder.Append((byte)'/');
                var n = System.Text.Encoding.UTF8.GetBytes(rawPath[kept[i]], utf8);
                builder.Advance(PercentEncoding.EncodeUtf8(utf8[..n], builder.GetSpan(n * 3)));
            }

            if (rawPath[^1] == '/')
            {
                builder.Append((byte)'/');
            }

            if (rentedUtf8 is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedUtf8);
            }
        }

        if (rentedRanges is not null)
        {
            ArrayPool<Range>.Shared.Return(rentedRanges);
        }
    }

    /// <summary>
    /// Appends the canonical query string of a raw query (without <c>?</c>): each <c>key[=value]</c> is
    /// percent-decoded (a <c>+</c> stays a literal plus) and re-encoded per RFC 3986, pairs are sorted by key then
    /// value (byte order), and, for presigned requests, <c>X-Amz-Signature</c> is left out.
    /// </summary>
    /// <returns>False with AWS's <c>MalformedQueryString</c> text in <paramref name="error"/> on a bad escape or bad UTF-8.</returns>
    public static bool TryAppendQuery(ref Utf8Builder builder, ReadOnlySpan<char> rawQuery, bool dropSignature, out string? error)
    {
        error = null;
        if (rawQuery.IsEmpty)
        {
            return true;
        }

        var pairCount = rawQuery.Count('&') + 1;
        var entries = ArrayPool<QueryEntry>.Shared.Rent(pairCount);
        var decoded = ArrayPool<byte>.Shared.Rent(rawQuery.Length * 3);
        var encoded = ArrayPool<byte>.Shared.Rent(rawQuery.Length * 9);
        try
        {
            var count = 0;
            var position = 0;
            foreach (var range in rawQuery.Split('&'))
            {
                var pair = rawQuery[range];
                if (pair.IsEmpty)
                {
                    continue;
                }

                var equals = pair.IndexOf('=');
                var key = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? [] : pair[(equals + 1)..];

                if (!TryReencode(key, decoded, encoded, ref position, out var keyStart, out var keyLength, out error) ||
                    !TryReencode(value, decoded, encoded, ref position, out var valueStart, out var valueLength, out error))
                {
                    return false;
                }

                if (dropSignature && encoded.AsSpan(keyStart, keyLength).SequenceEqual("X-Amz-Signature"u8))
                {
                    continue;
                }

                entries[count++] = new QueryEntry(keyStart, keyLength, valueStart, valueLength);
            }

            entries.AsSpan(0, count).Sort(new QueryEntryComparer(encoded));
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    builder.Append((byte)'&');
                }

                var entry = entries[i];
                builder.Append(encoded.AsSpan(entry.KeyStart, entry.KeyLength));
                builder.Append((byte)'=');
                builder.Append(encoded.AsSpan(entry.ValueStart, entry.ValueLength));
            }

            return true;
        }
        finally
        {
            ArrayPool<QueryEntry>.Shared.Return(entries);
            ArrayPool<byte>.Shared.Return(decoded);
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    /// <summary>Appends a header value trimmed, with every run of whitespace inside it collapsed to one space.</summary>
    public static void AppendHeaderValue(ref Utf8Builder builder, ReadOnlySpan<char> value)
    {
        value = value.Trim(" \t\r\n\v\f");
        if (!value.ContainsAny(WhitespaceButSpace) && !value.Contains("  ", StringComparison.Ordinal))
        {
            builder.Append(value);
            return;
        }

        var inWhitespace = false;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var isWhitespace = Whitespace.Contains(value[i]);
            if (isWhitespace && !inWhitespace)
            {
                builder.Append(value[start..i]);
                builder.Append((byte)' ');
                inWhitespace = true;
            }
            else if (!isWhitespace && inWhitespace)
            {
                start = i;
                inWhitespace = false;
            }
        }

        builder.Append(value[start..]);
    }

    private static bool TryReencode(
        ReadOnlySpan<char> raw, byte[] decoded, byte[] encoded, ref int position, out int start, out int length, out string? error)
    {
        start = position;
        if (!PercentEncoding.TryDecodeToUtf8(raw, decoded, out var decodedLength, out error))
        {
            length = 0;
            return false;
        }

        length = PercentEncoding.EncodeUtf8(decoded.AsSpan(0, decodedLength), encoded.AsSpan(position));
        position += length;
        return true;
    }

    private readonly record struct QueryEntry(int KeyStart, int KeyLength, int ValueStart, int ValueLength);

    private readonly struct QueryEntryComparer(byte[] encoded) : IComparer<QueryEntry>
    {
        public int Compare(QueryEntry x, QueryEntry y)
        {
            var byKey = encoded.AsSpan(x.KeyStart, x.KeyLength).SequenceCompareTo(encoded.AsSpan(y.KeyStart, y.KeyLength));
            return byKey != 0
                ? byKey
                : encoded.AsSpan(x.ValueStart, x.ValueLength).SequenceCompareTo(encoded.AsSpan(y.ValueStart, y.ValueLength));
        }
    }
}
