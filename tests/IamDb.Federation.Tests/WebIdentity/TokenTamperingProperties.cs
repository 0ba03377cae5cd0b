using CsCheck;
using IamDb.Federation.Jose;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Tests.WebIdentity;

/// <summary>Properties over many generated changes to valid tokens.</summary>
public sealed class TokenTamperingProperties
{
    private static readonly TestIdentityProvider Idp = WebIdentityTokenVerifierTests.Idp;

    private static readonly string[] Tokens =
    [
        Idp.Sign(TestIdentityProvider.Claims(), "RS256"),
        Idp.Sign(TestIdentityProvider.Claims(), "ES256"),
        Idp.Sign(TestIdentityProvider.Claims(), "ES384"),
    ];

    private static readonly JsonWebKeySet Keys = Idp.Keys();

    private static bool Verifies(string token, JsonWebKeySet keys) =>
        JwtReader.TryRead(token, out var jwt, out _)
        && WebIdentityTokenVerifier.TryVerify(jwt, keys, TestIdentityProvider.Expectations, TestIdentityProvider.Now, out _, out _);

    [Fact]
    public void Flipping_any_bits_of_any_byte_of_a_valid_token_never_verifies()
    {
        var keys = Idp.Keys();
        Assert.All(Tokens, t => Assert.True(Verifies(t, keys)));

        Gen.Select(Gen.Int[0, Tokens.Length - 1], Gen.Int[0, int.MaxValue], Gen.Int[1, 255]).Sample((which, at, mask) =>
        {
            var token = Tokens[which];
            var chars = token.ToCharArray();
            var index = at % chars.Length;
            chars[index] = (char)(chars[index] ^ mask);
            Assert.False(Verifies(new string(chars), keys));
        }, iter: 3000);
    }

    [Fact]
    public void Every_single_character_change_of_a_valid_token_is_refused()
    {
        var keys = Idp.Keys();
        var token = Tokens[1];
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
        for (var i = 0; i < token.Length; i++)
        {
            // Exhaustive over positions, one replacement per position chosen to stay in the alphabet.
            var replacement = Alphabet[(Alphabet.IndexOf(token[i], StringComparison.Ordinal) + 1 + i) % Alphabet.Length];
            if (replacement == token[i])
            {
                continue;
            }

            Assert.False(Verifies(token[..i] + replacement + token[(i + 1)..], keys), $"changing position {i} still verified");
        }

        // The last character of each part carries unused bits: every other character there must be refused too.
        foreach (var end in new[] { token.IndexOf('.', StringComparison.Ordinal) - 1, token.LastIndexOf('.') - 1, token.Length - 1 })
        {
            foreach (var replacement in Alphabet.Where(c => c != token[end]))
            {
                Assert.False(Verifies(token[..end] + replacement + token[(end + 1)..], keys), $"changing the end of a part to '{replacement}' still verified");
            }
        }
    }

    [Fact]
    public void Reading_and_verifying_never_throw_on_mutated_tokens() =>
        Gen.Select(Gen.Int[0, Tokens.Length - 1], Gen.Int[0, int.MaxValue], Gen.Int[0, 20], Gen.OneOf("", ".", "=", "A", "-", "\0", "é", "eyJ", "..", "e30"))
            .Array[1, 4]
            .Sample(edits =>
            {
                var text = Tokens[edits[0].Item1];
                foreach (var (_, at, remove, insert) in edits)
                {
                    var start = at % (text.Length + 1);
                    text = text.Remove(start, Math.Min(remove, text.Length - start)).Insert(start, insert);
                }

                _ = Verifies(text, Keys);
            }, iter: 2000);

    [Fact]
    public void Strict_base64url_round_trips_every_byte_string() =>
        Gen.Byte.Array[0, 70].Sample(bytes =>
        {
            var text = StrictBase64Url.Encode(bytes);
            Assert.True(StrictBase64Url.TryDecode(text, out var decoded));
            Assert.Equal(bytes, decoded);
        }, iter: 2000);
}
