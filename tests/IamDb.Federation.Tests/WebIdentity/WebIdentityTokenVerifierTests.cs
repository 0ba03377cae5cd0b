using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IamDb.Federation.Jose;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Tests.WebIdentity;

public sealed class WebIdentityTokenVerifierTests
{
    internal static readonly TestIdentityProvider Idp = new();
    private static readonly DateTimeOffset Now = TestIdentityProvider.Now;

    /// <summary>Reads and verifies; every refusal's message is checked not to quote the token or any part of it.</summary>
    internal static (VerifiedWebIdentityToken? Token, FederationFailure? Failure) Verify(
        string token, JsonWebKeySet? keys = null, WebIdentityExpectations? expected = null, DateTimeOffset? now = null)
    {
        FederationFailure? failure;
        VerifiedWebIdentityToken? verified = null;
        if (JwtReader.TryRead(token, out var jwt, out failure))
        {
            WebIdentityTokenVerifier.TryVerify(jwt, keys ?? Idp.Keys(), expected ?? TestIdentityProvider.Expectations, now ?? Now, out verified, out failure);
        }

        Assert.True(verified is null ^ failure is null);
        if (failure is not null)
        {
            foreach (var part in token.Split('.').Where(p => p.Length >= 8))
            {
                Assert.DoesNotContain(part, failure.Message, StringComparison.Ordinal);
            }
        }

        return (verified, failure);
    }

    private static FederationFailure Refused(string token, FederationFailureKind kind, JsonWebKeySet? keys = null, WebIdentityExpectations? expected = null, DateTimeOffset? now = null)
    {
        var (verified, failure) = Verify(token, keys, expected, now);
        Assert.Null(verified);
        Assert.Equal(kind, failure!.Kind);
        return failure;
    }

    private static VerifiedWebIdentityToken Accepted(string token, JsonWebKeySet? keys = null, WebIdentityExpectations? expected = null, DateTimeOffset? now = null)
    {
        var (verified, failure) = Verify(token, keys, expected, now);
        Assert.True(failure is null, failure?.Message);
        return verified!;
    }

    [Theory]
    [InlineData("RS256", TestIdentityProvider.RsaKid)]
    [InlineData("RS384", TestIdentityProvider.RsaKid)]
    [InlineData("RS512", TestIdentityProvider.RsaKid)]
    [InlineData("ES256", TestIdentityProvider.Ec256Kid)]
    [InlineData("ES384", TestIdentityProvider.Ec384Kid)]
    public void A_token_signed_with_an_accepted_algorithm_verifies_and_reports_what_it_says(string alg, string kid)
    {
        var claims = TestIdentityProvider.Claims();
        claims["aud"] = new JsonArray("someone-else", TestIdentityProvider.ClientId);
        claims["azp"] = "web-app";
        claims["amr"] = "pwd";
        claims["jti"] = "id-1";
        var token = Accepted(Idp.Sign(claims, alg));

        Assert.Equal(TestIdentityProvider.Provider, token.Provider);
        Assert.Equal(TestIdentityProvider.IssuerUrl, token.Issuer);
        Assert.Equal("user-42", token.Subject);
        Assert.Equal(TestIdentityProvider.ClientId, token.Audience);
        Assert.Equal(["someone-else", TestIdentityProvider.ClientId], token.Audiences);
        Assert.Equal("web-app", token.AuthorizedParty);
        Assert.Equal(["pwd"], token.AuthenticationMethods);
        Assert.Equal("id-1", token.TokenId);
        Assert.Equal(alg, token.Algorithm);
        Assert.Equal(kid, token.KeyId);
        Assert.Equal(Now.AddMinutes(-1), token.IssuedAt);
        Assert.Equal(Now.AddMinutes(9), token.ExpiresAt);
        Assert.Empty(token.PrincipalTags);
    }

    [Fact]
    public void An_expired_token_is_ExpiredToken_after_the_one_minute_skew_and_accepted_within_it()
    {
        var claims = TestIdentityProvider.Claims();
        claims["exp"] = Now.AddSeconds(-59).ToUnixTimeSeconds();
        Accepted(Idp.Sign(claims));

        claims["exp"] = Now.AddSeconds(-60).ToUnixTimeSeconds();
        var failure = Refused(Idp.Sign(claims), FederationFailureKind.ExpiredToken);
        Assert.Equal("ExpiredTokenException", failure.StsErrorCode);

        Refused(Idp.Sign(TestIdentityProvider.Claims()), FederationFailureKind.ExpiredToken, now: Now.AddHours(1));
    }

    [Fact]
    public void A_token_without_exp_is_refused()
    {
        var claims = TestIdentityProvider.Claims();
        claims.Remove("exp");
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
    }

    [Theory]
    [InlineData("nbf")]
    [InlineData("iat")]
    public void A_token_from_the_future_is_refused_beyond_the_skew(string claim)
    {
        var claims = TestIdentityProvider.Claims();
        claims[claim] = Now.AddSeconds(59).ToUnixTimeSeconds();
        Accepted(Idp.Sign(claims));

        claims[claim] = Now.AddSeconds(61).ToUnixTimeSeconds();
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
    }

    [Theory]
    [InlineData("exp", "\"tomorrow\"")]
    [InlineData("exp", "1e400")]
    [InlineData("iat", "-5")]
    [InlineData("nbf", "true")]
    [InlineData("sub", "42")]
    [InlineData("sub", "\"\"")]
    [InlineData("aud", "[\"iamdb-cli\", 1]")]
    [InlineData("aud", "{}")]
    [InlineData("amr", "{\"pwd\": 1}")]
    [InlineData("azp", "[]")]
    public void A_claim_of_the_wrong_type_is_refused(string claim, string json)
    {
        var claims = TestIdentityProvider.Claims();
        claims[claim] = JsonNode.Parse(json);
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
    }

    [Fact]
    public void A_token_without_sub_or_with_an_overlong_one_is_refused()
    {
        var claims = TestIdentityProvider.Claims();
        claims.Remove("sub");
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);

        claims["sub"] = new string('s', 256);
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
        claims["sub"] = new string('s', 255);
        Accepted(Idp.Sign(claims));
    }

    [Theory]
    [InlineData("someone-else")]
    [InlineData("IAMDB-CLI")]
    [InlineData("iamdb-cli ")]
    public void A_token_for_another_audience_is_IDPRejectedClaim(string audience)
    {
        var claims = TestIdentityProvider.Claims();
        claims["aud"] = audience;
        var failure = Refused(Idp.Sign(claims), FederationFailureKind.RejectedClaim);
        Assert.Equal("IDPRejectedClaim", failure.StsErrorCode);
    }

    [Fact]
    public void A_token_without_aud_is_refused()
    {
        var claims = TestIdentityProvider.Claims();
        claims.Remove("aud");
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
        claims["aud"] = new JsonArray();
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
    }

    [Theory]
    [InlineData("https://idp.example:8443/realms/other")]
    [InlineData("https://idp.example:8443/realms/dev/sub")]
    [InlineData("https://idp.example:8443/realms/Dev")]
    [InlineData("https://idp.example/realms/dev")]
    [InlineData("https://idp.example:8444/realms/dev")]
    [InlineData("https://idp.example.evil:8443/realms/dev")]
    [InlineData("http://idp.example:8443/realms/dev")]
    [InlineData("https://user@idp.example:8443/realms/dev")]
    [InlineData("https://idp.example:8443/realms/dev?x=1")]
    [InlineData("https://idp.example:8443/realms/dev/")] // as in AWS, a trailing slash names another provider
    public void A_token_from_another_issuer_is_IDPRejectedClaim(string issuer)
    {
        var claims = TestIdentityProvider.Claims();
        claims["iss"] = issuer;
        Refused(Idp.Sign(claims), FederationFailureKind.RejectedClaim);
    }

    [Theory]
    [InlineData("https://IDP.example:8443/realms/dev")]
    [InlineData("idp.example:8443/realms/dev")]
    public void The_issuer_is_compared_in_normal_form(string issuer)
    {
        var claims = TestIdentityProvider.Claims();
        claims["iss"] = issuer;
        var token = Accepted(Idp.Sign(claims));
        Assert.Equal(issuer, token.Issuer);
    }

    [Fact]
    public void A_token_without_iss_is_refused()
    {
        var claims = TestIdentityProvider.Claims();
        claims.Remove("iss");
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
    }

    [Fact]
    public void A_token_naming_an_unknown_kid_is_refused_and_the_key_set_says_to_refresh()
    {
        var token = Idp.Sign(TestIdentityProvider.Claims(), kid: "rotated-away");
        var failure = Refused(token, FederationFailureKind.InvalidIdentityToken);
        Assert.Contains("kid", failure.Message, StringComparison.Ordinal);

        Assert.True(JwtReader.TryRead(token, out var jwt, out _));
        Assert.False(Idp.Keys().CanVerify(jwt));
        Assert.True(JwtReader.TryRead(Idp.Sign(TestIdentityProvider.Claims()), out var good, out _));
        Assert.True(Idp.Keys().CanVerify(good));
    }

    [Fact]
    public void Alg_none_is_refused_with_or_without_a_signature()
    {
        var header = new JsonObject { ["alg"] = "none", ["kid"] = TestIdentityProvider.RsaKid };
        var unsigned = TestIdentityProvider.Compact(header, TestIdentityProvider.Claims(), _ => []);
        Refused(unsigned, FederationFailureKind.InvalidIdentityToken);

        var withJunk = TestIdentityProvider.Compact(header, TestIdentityProvider.Claims(), _ => new byte[256]);
        Refused(withJunk, FederationFailureKind.InvalidIdentityToken);

        header["alg"] = "None";
        Refused(TestIdentityProvider.Compact(header, TestIdentityProvider.Claims(), _ => new byte[256]), FederationFailureKind.InvalidIdentityToken);
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("HS384")]
    [InlineData("HS512")]
    public void HMAC_signed_with_the_RSA_public_key_as_the_secret_is_refused(string alg)
    {
        var publicKeys = new[]
        {
            Encoding.ASCII.GetBytes(Idp.Rsa.ExportSubjectPublicKeyInfoPem()),
            Encoding.ASCII.GetBytes(Idp.Rsa.ExportRSAPublicKeyPem()),
            Idp.Rsa.ExportSubjectPublicKeyInfo(),
            Idp.Rsa.ExportParameters(false).Modulus!,
            Encoding.UTF8.GetBytes(Idp.JwksJson()),
        };
        foreach (var secret in publicKeys)
        {
            var header = new JsonObject { ["alg"] = alg, ["kid"] = TestIdentityProvider.RsaKid };
            var token = TestIdentityProvider.Compact(header, TestIdentityProvider.Claims(), input => alg switch
            {
                "HS256" => HMACSHA256.HashData(secret, input),
                "HS384" => HMACSHA384.HashData(secret, input),
                _ => HMACSHA512.HashData(secret, input),
            });
            Refused(token, FederationFailureKind.InvalidIdentityToken);
        }
    }

    [Theory]
    [InlineData("PS256")]
    [InlineData("rs256")]
    [InlineData("RS1")]
    [InlineData("EdDSA")]
    public void Algorithms_we_do_not_accept_are_refused_even_when_the_signature_is_real(string alg)
    {
        var header = new JsonObject { ["alg"] = alg, ["kid"] = TestIdentityProvider.RsaKid };
        var token = Idp.SignWith(header, TestIdentityProvider.Claims(), alg == "PS256" ? "PS256" : "RS256");
        var failure = Refused(token, FederationFailureKind.InvalidIdentityToken);
        Assert.Contains("algorithm", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_payload_does_not_verify()
    {
        var token = Idp.Sign(TestIdentityProvider.Claims());
        var parts = token.Split('.');
        var claims = TestIdentityProvider.Claims();
        claims["sub"] = "admin";
        var forged = parts[0] + "." + TestIdentityProvider.B64(Encoding.UTF8.GetBytes(claims.ToJsonString())) + "." + parts[2];
        Refused(forged, FederationFailureKind.InvalidIdentityToken);
    }

    [Theory]
    [InlineData("ES256", TestIdentityProvider.RsaKid, "RS256")]
    [InlineData("RS256", TestIdentityProvider.Ec256Kid, "ES256")]
    [InlineData("ES384", TestIdentityProvider.Ec256Kid, "ES256")]
    [InlineData("ES256", TestIdentityProvider.Ec384Kid, "ES384")]
    public void A_key_whose_type_or_curve_does_not_fit_the_algorithm_is_refused(string alg, string kid, string signWith)
    {
        var header = new JsonObject { ["alg"] = alg, ["kid"] = kid };
        var failure = Refused(Idp.SignWith(header, TestIdentityProvider.Claims(), signWith), FederationFailureKind.InvalidIdentityToken);

        // Refused at key selection, before any signature arithmetic with a key of the wrong kind.
        Assert.Contains($"not a key for its algorithm {alg}", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_pinned_to_another_algorithm_is_not_used()
    {
        var jwk = TestIdentityProvider.RsaJwk(Idp.Rsa, TestIdentityProvider.RsaKid);
        jwk["alg"] = "RS512";
        Assert.True(JsonWebKeySet.TryParse(new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString(), out var keys, out _));

        Refused(Idp.Sign(TestIdentityProvider.Claims(), "RS256"), FederationFailureKind.InvalidIdentityToken, keys);
        Accepted(Idp.Sign(TestIdentityProvider.Claims(), "RS512"), keys);
    }

    [Fact]
    public void An_ECDSA_signature_in_DER_form_is_refused()
    {
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = TestIdentityProvider.Ec256Kid };
        var token = TestIdentityProvider.Compact(header, TestIdentityProvider.Claims(),
            input => Idp.Ec256.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Refused(token, FederationFailureKind.InvalidIdentityToken);
    }

    [Fact]
    public void A_key_embedded_in_the_header_is_ignored()
    {
        using var attacker = RSA.Create(2048);
        var header = new JsonObject
        {
            ["alg"] = "RS256",
            ["kid"] = TestIdentityProvider.RsaKid,
            ["jwk"] = TestIdentityProvider.RsaJwk(attacker, TestIdentityProvider.RsaKid),
            ["jku"] = "https://attacker.example/jwks",
        };
        var token = TestIdentityProvider.Compact(header, TestIdentityProvider.Claims(),
            input => attacker.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Refused(token, FederationFailureKind.InvalidIdentityToken);
    }

    [Fact]
    public void Without_kid_the_only_key_that_fits_is_used_and_two_candidates_are_refused()
    {
        var one = JsonWebKeySet.TryParse(new JsonObject { ["keys"] = new JsonArray(TestIdentityProvider.RsaJwk(Idp.Rsa, null), TestIdentityProvider.EcJwk(Idp.Ec256, null, "P-256")) }.ToJsonString(), out var k1, out _) ? k1 : null;
        var token = Accepted(Idp.Sign(TestIdentityProvider.Claims(), kid: null), one);
        Assert.Null(token.KeyId);
        Accepted(Idp.Sign(TestIdentityProvider.Claims(), "ES256", kid: null), one);

        using var second = RSA.Create(2048);
        var two = JsonWebKeySet.TryParse(new JsonObject { ["keys"] = new JsonArray(TestIdentityProvider.RsaJwk(Idp.Rsa, "a"), TestIdentityProvider.RsaJwk(second, "b")) }.ToJsonString(), out var k2, out _) ? k2 : null;
        Refused(Idp.Sign(TestIdentityProvider.Claims(), kid: null), FederationFailureKind.InvalidIdentityToken, two);
        Accepted(Idp.Sign(TestIdentityProvider.Claims(), kid: "a"), two);
    }

    [Fact]
    public void Two_keys_with_the_same_kid_and_type_are_refused()
    {
        using var second = RSA.Create(2048);
        Assert.True(JsonWebKeySet.TryParse(new JsonObject { ["keys"] = new JsonArray(TestIdentityProvider.RsaJwk(second, "same"), TestIdentityProvider.RsaJwk(Idp.Rsa, "same")) }.ToJsonString(), out var keys, out _));
        Refused(Idp.Sign(TestIdentityProvider.Claims(), kid: "same"), FederationFailureKind.InvalidIdentityToken, keys);
    }

    [Fact]
    public void The_signature_of_another_key_does_not_verify()
    {
        using var other = RSA.Create(2048);
        Assert.True(JsonWebKeySet.TryParse(new JsonObject { ["keys"] = new JsonArray(TestIdentityProvider.RsaJwk(other, TestIdentityProvider.RsaKid)) }.ToJsonString(), out var keys, out _));
        var failure = Refused(Idp.Sign(TestIdentityProvider.Claims()), FederationFailureKind.InvalidIdentityToken, keys);
        Assert.Contains("signature", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_maximum_lifetime_when_set_refuses_longer_tokens_and_tokens_that_do_not_say_when_they_were_issued()
    {
        var expected = TestIdentityProvider.Expectations with { MaximumLifetime = TimeSpan.FromMinutes(10) };
        Accepted(Idp.Sign(TestIdentityProvider.Claims()), expected: expected);

        var claims = TestIdentityProvider.Claims();
        claims["exp"] = Now.AddMinutes(20).ToUnixTimeSeconds();
        Refused(Idp.Sign(claims), FederationFailureKind.RejectedClaim, expected: expected);
        Accepted(Idp.Sign(claims));

        claims = TestIdentityProvider.Claims();
        claims.Remove("iat");
        claims.Remove("nbf");
        Refused(Idp.Sign(claims), FederationFailureKind.RejectedClaim, expected: expected);
    }

    [Fact]
    public void Session_tags_come_from_the_AWS_tags_claim_taking_the_first_value()
    {
        var claims = TestIdentityProvider.Claims();
        claims[VerifiedWebIdentityToken.SessionTagsClaim] = JsonNode.Parse("""
            {"principal_tags": {"RedshiftDbGroups": ["analysts:readers", "ignored"], "Project": "blue"},
             "transitive_tag_keys": ["Project"]}
            """);
        var token = Accepted(Idp.Sign(claims));
        Assert.Equal(new Dictionary<string, string> { ["RedshiftDbGroups"] = "analysts:readers", ["Project"] = "blue" }, token.PrincipalTags);
        Assert.Equal(["Project"], token.TransitiveTagKeys);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"principal_tags\": []}")]
    [InlineData("{\"principal_tags\": {\"a\": []}}")]
    [InlineData("{\"principal_tags\": {\"a\": [1]}}")]
    [InlineData("{\"principal_tags\": {\"a\": null}}")]
    [InlineData("{\"principal_tags\": {\"a\": [\"x\"]}, \"transitive_tag_keys\": \"a\"}")]
    [InlineData("{\"principal_tags\": {\"a\": [\"x\"]}, \"transitive_tag_keys\": [\"b\"]}")]
    public void A_malformed_tags_claim_is_refused(string json)
    {
        var claims = TestIdentityProvider.Claims();
        claims[VerifiedWebIdentityToken.SessionTagsClaim] = JsonNode.Parse(json);
        Refused(Idp.Sign(claims), FederationFailureKind.InvalidIdentityToken);
    }

    [Fact]
    public void Any_claim_reads_as_strings_for_group_mapping()
    {
        var claims = TestIdentityProvider.Claims();
        claims["groups"] = JsonNode.Parse("""["readers", 7, true, {"x": 1}, null, "writers"]""");
        claims["level"] = 3.5;
        claims["admin"] = false;
        claims["profile"] = new JsonObject { ["a"] = 1 };
        var token = Accepted(Idp.Sign(claims));
        Assert.Equal(["readers", "7", "true", "writers"], token.ClaimValues("groups"));
        Assert.Equal(["3.5"], token.ClaimValues("level"));
        Assert.Equal(["false"], token.ClaimValues("admin"));
        Assert.Equal(["user-42"], token.ClaimValues("sub"));
        Assert.Empty(token.ClaimValues("profile"));
        Assert.Empty(token.ClaimValues("missing"));
    }

    [Fact]
    public void One_key_set_verifies_correctly_from_many_threads_at_once()
    {
        var keys = Idp.Keys();
        var good = new[] { "RS256", "ES256", "ES384" }.Select(alg => Idp.Sign(TestIdentityProvider.Claims(), alg)).ToArray();
        var bad = good.Select(t => t[..^2] + (t[^2] == 'A' ? 'B' : 'A') + t[^1]).ToArray();
        var results = new bool[600];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var token = i % 2 == 0 ? good[i % 3] : bad[i % 3];
            results[i] = JwtReader.TryRead(token, out var jwt, out _)
                && WebIdentityTokenVerifier.TryVerify(jwt, keys, TestIdentityProvider.Expectations, Now, out _, out _);
        });
        Assert.All(Enumerable.Range(0, results.Length), i => Assert.Equal(i % 2 == 0, results[i]));
    }
}
