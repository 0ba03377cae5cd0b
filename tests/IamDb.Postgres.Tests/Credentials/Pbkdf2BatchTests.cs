using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using System.Text;
using IamDb.Postgres.Credentials;

namespace IamDb.Postgres.Tests.Credentials;

public class Pbkdf2BatchTests
{
    [Fact]
    public void Compress_AbcInEveryLane_IsSha256OfAbc()
    {
        Span<Vector512<uint>> state = stackalloc Vector512<uint>[8];
        Span<Vector512<uint>> block = stackalloc Vector512<uint>[16];
        for (var j = 0; j < 8; j++)
        {
            state[j] = Vector512.Create(Sha256Lanes.InitialState[j]);
        }

        // "abc", 0x80, zeros, length 24 bits.
        block[0] = Vector512.Create(0x61626380u);
        block[15] = Vector512.Create(24u);

        Sha256Lanes.Compress(state, block);

        var expected = SHA256.HashData("abc"u8);
        for (var lane = 0; lane < Sha256Lanes.Lanes; lane++)
        {
            var digest = new byte[32];
            for (var j = 0; j < 8; j++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(4 * j), state[j].GetElement(lane));
            }

            Assert.Equal(expected, digest);
        }
    }

    [Theory]
    [InlineData(1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")]
    [InlineData(2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43")]
    [InlineData(4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")]
    public void Derive_PublishedVectors_Match(int iterations, string hex)
    {
        var derived = Pbkdf2Batch.Derive([Encoding.UTF8.GetBytes("password")], [Encoding.UTF8.GetBytes("salt")], iterations);

        Assert.Equal(hex, Convert.ToHexStringLower(Assert.Single(derived)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(16)]
    public void Derive_RandomPasswordsAndSalts_EqualsTheBcl(int lanes)
    {
        var random = new Random(lanes * 7919);
        foreach (var iterations in new[] { 1, 2, 3, 17, 100 })
        {
            // Passwords from empty to longer than a block (HMAC hashes those first); salts up to the longest supported.
            var passwords = Enumerable.Range(0, lanes).Select(_ => RandomBytes(random, random.Next(0, 101))).ToArray();
            var salts = Enumerable.Range(0, lanes).Select(_ => RandomBytes(random, random.Next(0, Pbkdf2Batch.MaxSaltBytes + 1))).ToArray();

            var derived = Pbkdf2Batch.Derive(passwords, salts, iterations);

            for (var i = 0; i < lanes; i++)
            {
                Assert.Equal(Rfc2898DeriveBytes.Pbkdf2(passwords[i], salts[i], iterations, HashAlgorithmName.SHA256, 32), derived[i]);
            }
        }
    }

    [Fact]
    public void Derive_TooManyPasswordsOrTooLongASalt_IsRefused()
    {
        var seventeen = Enumerable.Range(0, 17).Select(_ => new byte[8]).ToArray();
        Assert.Throws<ArgumentException>(() => Pbkdf2Batch.Derive(seventeen, seventeen, 1));
        Assert.Throws<ArgumentException>(() => Pbkdf2Batch.Derive([new byte[8]], [new byte[Pbkdf2Batch.MaxSaltBytes + 1]], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pbkdf2Batch.Derive([new byte[8]], [new byte[8]], 0));
    }

    [Fact]
    public void CreateMany_EveryVerifier_MatchesItsPasswordAtDefaultIterations()
    {
        var passwords = Enumerable.Range(0, 20).Select(_ => PostgresClusterAdministration.NewPassword()).ToArray();

        var verifiers = ScramVerifier.CreateMany(passwords);

        Assert.Equal(passwords.Length, verifiers.Length);
        Assert.Equal(passwords.Length, verifiers.Distinct().Count());
        for (var i = 0; i < passwords.Length; i++)
        {
            // SCRAM-SHA-256$4096:salt$StoredKey:ServerKey, recomputed the scalar way from the same salt.
            var parts = verifiers[i].Split('$');
            var salt = Convert.FromBase64String(parts[1].Split(':')[1]);
            Assert.Equal("4096", parts[1].Split(':')[0]);
            Assert.Equal(ScramVerifier.Format(salt, 4096, ScramVerifier.Derive(passwords[i], salt, 4096)), verifiers[i]);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
