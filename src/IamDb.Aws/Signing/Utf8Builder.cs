using System.Buffers;

namespace IamDb.Aws.Signing;

/// <summary>
/// Appends UTF-8 bytes to a caller-provided span (usually stack memory) and moves to a pooled array when it
/// runs out. Canonical requests are built with it so the hot path allocates nothing.
/// </summary>
internal ref struct Utf8Builder
{
    private Span<byte> _buffer;
    private byte[]? _rented;
    private int _length;

    public Utf8Builder(Span<byte> initial)
    {
        _buffer = initial;
        _rented = null;
        _length = 0;
    }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Append(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _buffer.Length)
        {
            Grow(bytes.Length);
        }

        bytes.CopyTo(_buffer[_length..]);
        _length += bytes.Length;
    }

    /// <summary>Appends <paramref name="text"/> as UTF-8 (lone surrogates become U+FFFD).</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        var max = text.Length * 3;
        if (_length + max > _buffer.Length)
        {
            Grow(max);
        }

        _length += System.Text.Encoding.UTF8.GetBytes(text, _buffer[_length..]);
    }

    /// <summary>Appends the lowercase hex form of <paramref name="bytes"/>.</summary>
    public void AppendHex(ReadOnlySpan<byte> bytes)
    {
        if (_length + (bytes.Length * 2) > _buffer.Length)
        {
            Grow(bytes.Length * 2);
        }

        HexLower.Write(bytes, _buffer[_length..]);
        _length += bytes.Length * 2;
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them for the caller to fill; see <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Grow(count);
        }

        return _buffer[_length..];
    }

    public void Advance(int count) => _length += count;

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }

    private void Grow(int needed)
    {
        var size = Math.Max(_buffer.Length * 2, _length + needed);
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer[.._length].CopyTo(next);
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }

        _rented = next;
        _buffer = next;
    }
}

/// <summary>Lowercase hexadecimal, as SigV4 writes hashes and signatures.</summary>
internal static class HexLower
{
    private static ReadOnlySpan<byte> Digits => "0123456789abcdef"u8;

    /// <summary>Writes two ASCII hex digits per byte of <paramref name="bytes"/> into <paramref name="destination"/>.</summary>
    public static void Write(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = Digits[bytes[i] & 0xF];
        }
    }
}
