using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// The SHA-256 compression function (FIPS 180-4 section 6.2.2) on 16 independent messages at once, one per lane of a
/// <see cref="Vector512{T}"/>: word <c>j</c> of every lane's state or block sits in vector <c>j</c>. PBKDF2 is one long
/// chain of single-block compressions that cannot be shortened, but 16 chains side by side cost about as much as a few,
/// which is what makes a batch of SCRAM verifiers cheap (<see cref="Pbkdf2Batch"/>).
/// </summary>
internal static class Sha256Lanes
{
    /// <summary>Messages compressed per call.</summary>
    public const int Lanes = 16;

    /// <summary>Whether the vectors run in hardware; without it the same code is correct but far slower than the BCL.</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>H(0), the initial hash value.</summary>
    public static ReadOnlySpan<uint> InitialState =>
    [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];

    private static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>
    /// Compresses one 64-byte block per lane into <paramref name="state"/> (8 vectors, updated in place).
    /// <paramref name="block"/> holds the block's 16 big-endian words as 16 vectors.
    /// </summary>
    public static void Compress(Span<Vector512<uint>> state, ReadOnlySpan<Vector512<uint>> block)
    {
        if (state.Length != 8 || block.Length != 16)
        {
            throw new ArgumentException("A SHA-256 state is 8 words and a block 16.");
        }

        // The message schedule as a ring of 16 words: W[t] only needs W[t-16..t-1].
        Span<Vector512<uint>> w = stackalloc Vector512<uint>[16];
        block.CopyTo(w);
        var k = K;
        Vector512<uint> a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        for (var t = 0; t < 64; t++)
        {
            Vector512<uint> wt;
            if (t < 16)
            {
                wt = w[t];
            }
            else
            {
                var w15 = w[(t - 15) & 15];
                var w2 = w[(t - 2) & 15];
                wt = w[t & 15] = w[t & 15] + SmallSigma0(w15) + w[(t - 7) & 15] + SmallSigma1(w2);
            }

            var t1 = h + BigSigma1(e) + Vector512.ConditionalSelect(e, f, g) + Vector512.Create(k[t]) + wt;
            // Maj(a, b, c) is a where a and b agree and c where they differ.
            var t2 = BigSigma0(a) + Vector512.ConditionalSelect(a ^ b, c, a);
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }

    // The rotations as AVX-512 instructions where there are some (the count must be a constant there), shifts otherwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> BigSigma0(Vector512<uint> x) => Avx512F.IsSupported
        ? Avx512F.RotateRight(x, 2) ^ Avx512F.RotateRight(x, 13) ^ Avx512F.RotateRight(x, 22)
        : Rotr(x, 2) ^ Rotr(x, 13) ^ Rotr(x, 22);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> BigSigma1(Vector512<uint> x) => Avx512F.IsSupported
        ? Avx512F.RotateRight(x, 6) ^ Avx512F.RotateRight(x, 11) ^ Avx512F.RotateRight(x, 25)
        : Rotr(x, 6) ^ Rotr(x, 11) ^ Rotr(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> SmallSigma0(Vector512<uint> x) => Avx512F.IsSupported
        ? Avx512F.RotateRight(x, 7) ^ Avx512F.RotateRight(x, 18) ^ (x >>> 3)
        : Rotr(x, 7) ^ Rotr(x, 18) ^ (x >>> 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> SmallSigma1(Vector512<uint> x) => Avx512F.IsSupported
        ? Avx512F.RotateRight(x, 17) ^ Avx512F.RotateRight(x, 19) ^ (x >>> 10)
        : Rotr(x, 17) ^ Rotr(x, 19) ^ (x >>> 10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Rotr(Vector512<uint> x, int n) => (x >>> n) | (x << (32 - n));
}
