using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// PBKDF2-HMAC-SHA-256 (RFC 8018 section 5.2) with a 32-byte output, for up to <see cref="Sha256Lanes.Lanes"/> passwords
/// at once on <see cref="Sha256Lanes"/>. HMAC's inner and outer key states are computed once per password, so each of
/// the <c>iterations</c> costs two single-block compressions, done for every lane together. The result equals
/// <see cref="Rfc2898DeriveBytes.Pbkdf2(byte[], byte[], int, HashAlgorithmName, int)"/> byte for byte (tested).
/// </summary>
internal static class Pbkdf2Batch
{
    private const int BlockBytes = 64;

    /// <summary>The longest salt whose <c>salt || INT(1)</c> still fits one block with SHA-256's padding.</summary>
    public const int MaxSaltBytes = BlockBytes - 4 - 1 - 8;

    /// <summary>Derives 32 bytes for each (password, salt) pair; at most 16 pairs, salts of at most 51 bytes.</summary>
    public static byte[][] Derive(IReadOnlyList<byte[]> passwords, IReadOnlyList<byte[]> salts, int iterations)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        ArgumentNullException.ThrowIfNull(salts);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var count = passwords.Count;
        if (count is 0 or > Sha256Lanes.Lanes || salts.Count != count)
        {
            throw new ArgumentException($"Between 1 and {Sha256Lanes.Lanes} passwords, each with its salt.");
        }

        // Per lane, as 16 big-endian words each: the HMAC key blocks (key XOR ipad, key XOR opad) and the first message,
        // salt || INT(1), padded as the second block of the inner hash. Unused lanes compute garbage that is thrown away.
        var ipad = new uint[Sha256Lanes.Lanes, 16];
        var opad = new uint[Sha256Lanes.Lanes, 16];
        var first = new uint[Sha256Lanes.Lanes, 16];
        Span<byte> block = stackalloc byte[BlockBytes];
        for (var lane = 0; lane < count; lane++)
        {
            var salt = salts[lane];
            if (salt.Length > MaxSaltBytes)
            {
                throw new ArgumentException($"Salts of at most {MaxSaltBytes} bytes.", nameof(salts));
            }

            // HMAC: a key longer than the block is replaced by its hash, a shorter one padded with zeros.
            var key = passwords[lane].Length > BlockBytes ? SHA256.HashData(passwords[lane]) : passwords[lane];
            block.Clear();
            key.CopyTo(block);
            for (var i = 0; i < BlockBytes; i++)
            {
                block[i] ^= 0x36;
            }

            Store(ipad, lane, block);
            for (var i = 0; i < BlockBytes; i++)
            {
                block[i] ^= 0x36 ^ 0x5c;
            }

            Store(opad, lane, block);
            block.Clear();
            salt.CopyTo(block);
            BinaryPrimitives.WriteUInt32BigEndian(block[salt.Length..], 1);
            Pad(block, salt.Length + 4, BlockBytes + salt.Length + 4);
            Store(first, lane, block);
        }

        Span<Vector512<uint>> inner = stackalloc Vector512<uint>[8];
        Span<Vector512<uint>> outer = stackalloc Vector512<uint>[8];
        Span<Vector512<uint>> state = stackalloc Vector512<uint>[8];
        Span<Vector512<uint>> message = stackalloc Vector512<uint>[16];
        Span<Vector512<uint>> sum = stackalloc Vector512<uint>[8];
        KeyState(inner, ipad, message);
        KeyState(outer, opad, message);

        // U1 = HMAC(P, salt || INT(1)).
        Load(message, first);
        inner.CopyTo(state);
        Sha256Lanes.Compress(state, message);
        Hmac32Outer(state, outer, message);
        state.CopyTo(sum);

        // Every later block hashes 32 bytes after the 64-byte key block, so words 8-15 of the message keep the padding
        // Hmac32Outer left there.
        for (var n = 1; n < iterations; n++)
        {
            // U(n+1) = HMAC(P, U(n)): the inner hash of U(n), then the outer hash of that.
            state[..8].CopyTo(message);
            inner.CopyTo(state);
            Sha256Lanes.Compress(state, message);
            Hmac32Outer(state, outer, message);
            for (var j = 0; j < 8; j++)
            {
                sum[j] ^= state[j];
            }
        }

        var results = new byte[count][];
        for (var lane = 0; lane < count; lane++)
        {
            var bytes = new byte[32];
            for (var j = 0; j < 8; j++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 * j), sum[j].GetElement(lane));
            }

            results[lane] = bytes;
        }

        return results;
    }

    /// <summary>
    /// Replaces <paramref name="state"/> (an inner digest) by the outer digest over it. <paramref name="message"/> is the
    /// scratch block: afterwards it holds the inner digest and the padding of a 32-byte message after one block.
    /// </summary>
    private static void Hmac32Outer(Span<Vector512<uint>> state, ReadOnlySpan<Vector512<uint>> outer, Span<Vector512<uint>> message)
    {
        state.CopyTo(message);
        message[8] = Vector512.Create(0x80000000u);
        for (var j = 9; j < 15; j++)
        {
            message[j] = Vector512<uint>.Zero;
        }

        message[15] = Vector512.Create((uint)((BlockBytes + 32) * 8));
        outer.CopyTo(state);
        Sha256Lanes.Compress(state, message);
    }

    /// <summary>The state after compressing one key block per lane from H(0).</summary>
    private static void KeyState(Span<Vector512<uint>> state, uint[,] keyBlocks, Span<Vector512<uint>> scratch)
    {
        for (var j = 0; j < 8; j++)
        {
            state[j] = Vector512.Create(Sha256Lanes.InitialState[j]);
        }

        Load(scratch, keyBlocks);
        Sha256Lanes.Compress(state, scratch);
    }

    /// <summary>SHA-256's padding of a message of <paramref name="totalBytes"/> whose last <paramref name="used"/> bytes fill this block.</summary>
    private static void Pad(Span<byte> block, int used, int totalBytes)
    {
        block[used] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[(BlockBytes - 8)..], (ulong)totalBytes * 8);
    }

    private static void Store(uint[,] words, int lane, ReadOnlySpan<byte> block)
    {
        for (var j = 0; j < 16; j++)
        {
            words[lane, j] = BinaryPrimitives.ReadUInt32BigEndian(block[(4 * j)..]);
        }
    }

    private static void Load(Span<Vector512<uint>> vectors, uint[,] words)
    {
        Span<uint> column = stackalloc uint[Sha256Lanes.Lanes];
        for (var j = 0; j < 16; j++)
        {
            for (var lane = 0; lane < Sha256Lanes.Lanes; lane++)
            {
                column[lane] = words[lane, j];
            }

            vectors[j] = Vector512.Create<uint>(column);
        }
    }
}
