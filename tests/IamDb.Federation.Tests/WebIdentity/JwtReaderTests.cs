using System.Text;
using System.Text.Json.Nodes;
using IamDb.Federation.Jose;

namespace IamDb.Federation.Tests.WebIdentity;

public sealed class JwtReaderTests
{
    private static readonly TestIdentityProvider Idp = WebIdentityTokenVerifierTests.Idp;

    private static FederationFailure Refused(string token)
    {
        Assert.False(JwtReader.TryRead(token, out var jwt, out var failure));
        Assert.Null(jwt);
        Assert.Equal(FederationFailureKind.InvalidIdentityToken, failure.Kind);
        foreach (var part in token.Split('.').Where(p => p.Length >= 8))
        {
            Assert.DoesNotContain(part, failure.Message, StringComparison.Ordinal);
        }

        return failure;
    }

    [Fact]
    public void A_good_token_is_read_without_verification_giving_issuer_key_id_and_algorithm()
    {
        var token = Idp.Sign(TestIdentityProvider.Claims(), "ES384");
        Assert.True(JwtReader.TryRead(token, out var jwt, out _));
        Assert.Equal("ES384", jwt.Algorithm);
        Assert.Equal(TestIdentityProvider.Ec384Kid, jwt.KeyId);
        Assert.Equal(TestIdentityProvider.IssuerUrl, jwt.Issuer);
        Assert.Equal(96, jwt.Signature.Length);
        Assert.Equal(token[..token.LastIndexOf('.')], Encoding.ASCII.GetString(jwt.SigningInput.Span));
    }

    [Fact]
    public void A_token_longer_than_STS_accepts_is_refused_before_decoding()
    {
        var claims = TestIdentityProvider.Claims();
        claims["pad"] = new string('x', JwtReader.MaximumTokenLength);
        var failure = Refused(Idp.Sign(claims));
        Assert.Contains("longer than 20000", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30")]
    public void Text_that_is_not_three_parts_is_refused(string token) => Refused(token);

    [Fact]
    public void An_encrypted_token_is_refused_with_a_hint()
    {
        var failure = Refused("eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn");
        Assert.Contains("JWE", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_padded_or_non_url_safe_base64_is_refused()
    {
        var parts = Idp.Sign(TestIdentityProvider.Claims()).Split('.');
        Refused(parts[0] + "." + parts[1] + "." + "!!!!");
        Refused(parts[0] + "." + parts[1] + "==." + parts[2]);
        Refused(parts[0] + "." + parts[1] + "." + parts[2].Replace('-', '+').Replace('_', '/') + "+/");
        Refused(parts[0] + " ." + parts[1] + "." + parts[2]);
        Refused(parts[0] + "." + parts[1] + "." + parts[2] + "\n");
        Refused(parts[0] + "." + parts[1] + "." + "A");
    }

    [Fact]
    public void Base64url_whose_unused_bits_are_not_zero_is_refused_so_each_token_text_has_one_meaning()
    {
        // "e30" is "{}"; "e31" decodes to the same bytes with a non-zero leftover bit.
        Assert.True(StrictBase64Url.TryDecode("e30", out var canonical));
        Assert.Equal("{}"u8.ToArray(), canonical);
        Assert.False(StrictBase64Url.TryDecode("e31", out _));
        Assert.False(StrictBase64Url.TryDecode("e3", out _));
    }

    [Fact]
    public void A_header_or_payload_that_is_not_a_JSON_object_is_refused()
    {
        var sign = (byte[] _) => new byte[64];
        Refused(TestIdentityProvider.CompactRaw("[]", "{}", sign));
        Refused(TestIdentityProvider.CompactRaw("{\"alg\":\"RS256\"}", "\"claims\"", sign));
        Refused(TestIdentityProvider.CompactRaw("{\"alg\":\"RS256\"}", "{\"sub\":\"a\"", sign));
        Refused(TestIdentityProvider.CompactRaw("{\"alg\":\"RS256\"}", "{\"sub\":\"a\"} /* x */", sign));
        Refused(TestIdentityProvider.B64([0xff, 0xfe, 0x7b, 0x7d]) + "." + TestIdentityProvider.B64("{}"u8.ToArray()) + ".AAAA");
    }

    [Theory]
    [InlineData("{\"alg\":\"RS256\",\"alg\":\"none\"}", "{\"sub\":\"a\"}")]
    [InlineData("{\"alg\":\"RS256\"}", "{\"sub\":\"user\",\"sub\":\"admin\"}")]
    [InlineData("{\"alg\":\"RS256\"}", "{\"aud\":\"x\",\"iss\":\"a\",\"aud\":\"iamdb-cli\"}")]
    public void A_repeated_member_name_is_refused(string header, string claims) =>
        Assert.Contains("repeat", Refused(TestIdentityProvider.CompactRaw(header, claims, _ => new byte[256])).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"alg\":null}")]
    [InlineData("{\"alg\":256}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":7}")]
    [InlineData("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}")]
    [InlineData("{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":false}")]
    public void A_header_without_a_string_alg_with_a_non_string_kid_or_with_crit_is_refused(string header) =>
        Refused(TestIdentityProvider.CompactRaw(header, "{}", _ => new byte[256]));

    [Fact]
    public void A_valid_token_with_crit_added_is_refused_even_though_signed()
    {
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = TestIdentityProvider.RsaKid, ["crit"] = new JsonArray("iamdb"), ["iamdb"] = 1 };
        var failure = Refused(Idp.SignWith(header, TestIdentityProvider.Claims(), "RS256"));
        Assert.Contains("crit", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_UTF8_or_an_escaped_lone_surrogate_in_a_string_is_refused_not_thrown()
    {
        var header = TestIdentityProvider.B64("{\"alg\":\"RS256\"}"u8.ToArray());
        Refused(header + "." + TestIdentityProvider.B64([.. "{\"sub\":\""u8, 0xa6, .. "\"}"u8]) + ".AAAA");
        Refused(TestIdentityProvider.B64([.. "{\"alg\":\"R"u8, 0x87, .. "\"}"u8]) + "." + TestIdentityProvider.B64("{}"u8.ToArray()) + ".AAAA");
        Refused(TestIdentityProvider.CompactRaw("{\"alg\":\"RS256\",\"kid\":\"\\ud800\"}", "{}", _ => new byte[4]));
        Refused(TestIdentityProvider.CompactRaw("{\"alg\":\"RS256\"}", "{\"\\udc00\":1}", _ => new byte[4]));
    }
}
