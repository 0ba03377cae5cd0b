using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CsCheck;
using IamDb.Federation.Jose;

namespace IamDb.Federation.Tests.WebIdentity;

public sealed class JsonWebKeySetTests
{
    private static readonly TestIdentityProvider Idp = WebIdentityTokenVerifierTests.Idp;

    private static JsonWebKeySet Parse(params JsonNode[] keys)
    {
        Assert.True(JsonWebKeySet.TryParse(new JsonObject { ["keys"] = new JsonArray(keys) }.ToJsonString(), out var set, out var error), error);
        return set;
    }

    [Fact]
    public void RSA_and_EC_signing_keys_are_read()
    {
        var set = Idp.Keys();
        Assert.Equal(3, set.Keys.Count);
        Assert.Equal(0, set.SkippedKeys);
        Assert.Equal(["RSA", "EC", "EC"], set.Keys.Select(k => k.KeyType));
        Assert.Equal([null, "P-256", "P-384"], set.Keys.Select(k => k.Curve));
        Assert.Equal([TestIdentityProvider.RsaKid, TestIdentityProvider.Ec256Kid, TestIdentityProvider.Ec384Kid], set.Keys.Select(k => k.KeyId));
    }

    [Fact]
    public void Keys_we_cannot_use_are_skipped_not_fatal()
    {
        var encryption = TestIdentityProvider.RsaJwk(Idp.Rsa, "enc");
        encryption["use"] = "enc";
        var wrapOnly = TestIdentityProvider.RsaJwk(Idp.Rsa, "wrap");
        wrapOnly["key_ops"] = new JsonArray("wrapKey");
        var pss = TestIdentityProvider.RsaJwk(Idp.Rsa, "pss");
        pss["alg"] = "PS256";
        var pinnedWrong = TestIdentityProvider.EcJwk(Idp.Ec256, "pinned", "P-256");
        pinnedWrong["alg"] = "ES384";
        using var small = RSA.Create(1024);
        var secp256k1 = TestIdentityProvider.EcJwk(Idp.Ec256, "k1", "P-256");
        secp256k1["crv"] = "secp256k1";
        var offCurve = TestIdentityProvider.EcJwk(Idp.Ec256, "off", "P-256");
        offCurve["y"] = TestIdentityProvider.B64(new byte[32]);
        var shortX = TestIdentityProvider.EcJwk(Idp.Ec256, "short", "P-256");
        shortX["x"] = TestIdentityProvider.B64(new byte[31]);
        var badBase64 = TestIdentityProvider.RsaJwk(Idp.Rsa, "bad");
        badBase64["n"] = "not base64!";
        var evenExponent = TestIdentityProvider.RsaJwk(Idp.Rsa, "even");
        evenExponent["e"] = TestIdentityProvider.B64([1, 0, 0]);

        var set = Parse(
            encryption, wrapOnly, pss, pinnedWrong, TestIdentityProvider.RsaJwk(small, "small"), secp256k1, offCurve, shortX, badBase64, evenExponent,
            JsonNode.Parse("""{"kty":"oct","k":"c2VjcmV0","kid":"hmac"}""")!,
            JsonNode.Parse("""{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"ed"}""")!,
            JsonNode.Parse("""{"kty":"RSA","kid":7}""")!,
            JsonNode.Parse("\"not an object\"")!,
            TestIdentityProvider.RsaJwk(Idp.Rsa, "good"));

        Assert.Equal(["good"], set.Keys.Select(k => k.KeyId));
        Assert.Equal(14, set.SkippedKeys);
    }

    [Fact]
    public void A_symmetric_key_in_the_set_is_never_a_key_for_HS256()
    {
        var set = Parse(JsonNode.Parse("""{"kty":"oct","k":"c2VjcmV0","kid":"hmac","alg":"HS256"}""")!);
        Assert.Empty(set.Keys);
    }

    [Fact]
    public void A_leading_zero_byte_in_the_modulus_is_tolerated()
    {
        var jwk = TestIdentityProvider.RsaJwk(Idp.Rsa, "z");
        jwk["n"] = TestIdentityProvider.B64([0, .. Idp.Rsa.ExportParameters(false).Modulus!]);
        var set = Parse(jwk);
        Assert.Equal(256, set.Keys.Single().RsaParameters!.Value.Modulus!.Length);
        Assert.NotNull(WebIdentityTokenVerifierTests.Verify(Idp.Sign(TestIdentityProvider.Claims(), kid: "z"), set).Token);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"keys\": {}}")]
    [InlineData("{\"keys\": [], \"keys\": []}")]
    [InlineData("{\"keys\": [],}")]
    public void A_document_that_is_not_a_key_set_fails_with_a_message(string json)
    {
        Assert.False(JsonWebKeySet.TryParse(json, out var set, out var error));
        Assert.Null(set);
        Assert.StartsWith("The JWKS document", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_document_or_too_many_keys_are_bounded()
    {
        Assert.False(JsonWebKeySet.TryParse(new string(' ', JsonWebKeySet.MaximumDocumentLength + 1), out _, out _));

        var many = Enumerable.Range(0, JsonWebKeySet.MaximumKeys + 5).Select(i => (JsonNode)TestIdentityProvider.EcJwk(Idp.Ec256, $"k{i}", "P-256")).ToArray();
        var set = Parse(many);
        Assert.Equal(JsonWebKeySet.MaximumKeys, set.Keys.Count);
        Assert.Equal(5, set.SkippedKeys);
    }

    [Fact]
    public void Parsing_never_throws_on_mutated_documents()
    {
        var seed = Idp.JwksJson();
        Gen.Select(Gen.Int[0, seed.Length - 1], Gen.Int[0, 12], Gen.OneOf("", "\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "\"RSA\"", "\"EC\"", "\"P-256\"", "\\u0000"))
            .Array[1, 5]
            .Sample(edits =>
            {
                var text = seed;
                foreach (var (at, remove, insert) in edits)
                {
                    var start = Math.Min(at, text.Length);
                    text = text.Remove(start, Math.Min(remove, text.Length - start)).Insert(start, insert);
                }

                Assert.True(JsonWebKeySet.TryParse(text, out var set, out var error) ^ (error is not null));
                _ = set;
            }, iter: 1500);
    }

    [Fact]
    public void A_key_the_platform_will_not_import_verifies_nothing_instead_of_throwing()
    {
        var offCurve = JsonWebKey.ForEc("bad", null, "P-256", new byte[32], new byte[32]);
        Assert.False(offCurve.TryLoad());
        Assert.False(offCurve.VerifySignature("data"u8, new byte[64], System.Security.Cryptography.HashAlgorithmName.SHA256));

        var set = JsonWebKeySet.Of([offCurve]);
        var (token, failure) = WebIdentityTokenVerifierTests.Verify(Idp.Sign(TestIdentityProvider.Claims(), "ES256", kid: "bad"), set);
        Assert.Null(token);
        Assert.Equal(FederationFailureKind.InvalidIdentityToken, failure!.Kind);
    }
}
