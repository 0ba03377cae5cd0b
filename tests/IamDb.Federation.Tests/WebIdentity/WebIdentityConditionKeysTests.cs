using System.Text.Json.Nodes;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Tests.WebIdentity;

public sealed class WebIdentityConditionKeysTests
{
    private static readonly TestIdentityProvider Idp = WebIdentityTokenVerifierTests.Idp;

    private static VerifiedWebIdentityToken Verified(JsonObject claims, WebIdentityExpectations? expected = null)
    {
        var (token, failure) = WebIdentityTokenVerifierTests.Verify(Idp.Sign(claims), expected: expected);
        Assert.True(failure is null, failure?.Message);
        return token!;
    }

    [Fact]
    public void Sub_aud_and_amr_are_prefixed_with_the_provider_including_its_port()
    {
        var claims = TestIdentityProvider.Claims();
        claims["aud"] = new JsonArray("unrelated", TestIdentityProvider.ClientId);
        claims["amr"] = new JsonArray("pwd", "mfa");
        claims["azp"] = "ignored-outside-google";
        var keys = WebIdentityConditionKeys.For(Verified(claims));

        Assert.Equal(3, keys.Count);
        Assert.Equal(["user-42"], keys["idp.example:8443/realms/dev:sub"]);
        Assert.Equal([TestIdentityProvider.ClientId], keys["idp.example:8443/realms/dev:aud"]);
        Assert.Equal(["pwd", "mfa"], keys["IDP.example:8443/realms/dev:AMR"]);
    }

    [Fact]
    public void Without_amr_there_is_no_amr_key()
    {
        var keys = WebIdentityConditionKeys.For(Verified(TestIdentityProvider.Claims()));
        Assert.False(keys.ContainsKey("idp.example:8443/realms/dev:amr"));
    }

    [Fact]
    public void For_Google_with_azp_aud_is_the_azp_and_oaud_the_aud()
    {
        Assert.True(OidcProviderUrl.TryParse("accounts.google.com", out var google, out _));
        var expected = new WebIdentityExpectations(google, ["1234.apps.googleusercontent.com"]);
        var claims = TestIdentityProvider.Claims();
        claims["iss"] = "https://accounts.google.com";
        claims["aud"] = "1234.apps.googleusercontent.com";
        claims["azp"] = "5678.apps.googleusercontent.com";
        var keys = WebIdentityConditionKeys.For(Verified(claims, expected));
        Assert.Equal(["5678.apps.googleusercontent.com"], keys["accounts.google.com:aud"]);
        Assert.Equal(["1234.apps.googleusercontent.com"], keys["accounts.google.com:oaud"]);

        claims.Remove("azp");
        keys = WebIdentityConditionKeys.For(Verified(claims, expected));
        Assert.Equal(["1234.apps.googleusercontent.com"], keys["accounts.google.com:aud"]);
        Assert.False(keys.ContainsKey("accounts.google.com:oaud"));
    }
}
