using CsCheck;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Tests.WebIdentity;

public sealed class OidcProviderUrlTests
{
    private static OidcProviderUrl Parse(string url)
    {
        Assert.True(OidcProviderUrl.TryParse(url, out var provider, out var error), error);
        return provider;
    }

    [Theory]
    [InlineData("https://idp.example", "idp.example")]
    [InlineData("https://idp.example/", "idp.example/")]
    [InlineData("HTTPS://IdP.Example", "idp.example")]
    [InlineData("https://idp.example:8443", "idp.example:8443")]
    [InlineData("https://idp.example:443/x", "idp.example/x")]
    [InlineData("https://idp.example:8443/realms/Dev/", "idp.example:8443/realms/Dev/")]
    [InlineData("https://tenant.eu.auth0.com/", "tenant.eu.auth0.com/")]
    [InlineData("idp.example:8443/realms/dev", "idp.example:8443/realms/dev")]
    [InlineData("accounts.google.com", "accounts.google.com")]
    [InlineData("https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE")]
    [InlineData("https://127.0.0.1:9443", "127.0.0.1:9443")]
    [InlineData("https://[::1]:9443/k8s", "[::1]:9443/k8s")]
    [InlineData("https://token.actions.githubusercontent.com", "token.actions.githubusercontent.com")]
    public void A_provider_URL_normalizes_to_AWS_host_port_path_form(string url, string expected)
    {
        var provider = Parse(url);
        Assert.Equal(expected, provider.HostAndPath);
        Assert.Equal(expected, provider.ToString());
        Assert.Equal("https://" + expected, provider.IssuerUrl);
        Assert.Equal(provider, Parse(provider.IssuerUrl));
        Assert.Equal(provider, Parse(provider.HostAndPath));
    }

    /// <summary>
    /// As in AWS, a trailing slash is part of the provider (Auth0's issuers end with one): the ARN and condition keys keep
    /// it, the spelling without it is another provider, and discovery drops it before appending the well-known path.
    /// </summary>
    [Fact]
    public void A_trailing_slash_is_part_of_the_provider_and_dropped_only_for_discovery()
    {
        var withSlash = Parse("https://tenant.eu.auth0.com/");
        var pathWithSlash = Parse("https://idp.example:8443/realms/dev/");

        Assert.Equal("arn:aws:iam::123456789012:oidc-provider/tenant.eu.auth0.com/", withSlash.Arn("123456789012"));
        Assert.Equal("tenant.eu.auth0.com/:aud", withSlash.ConditionKey("aud"));
        Assert.NotEqual(Parse("https://tenant.eu.auth0.com"), withSlash);
        Assert.NotEqual(Parse("https://idp.example:8443/realms/dev"), pathWithSlash);
        Assert.Equal(new Uri("https://tenant.eu.auth0.com/.well-known/openid-configuration"), withSlash.DiscoveryUrl);
        Assert.Equal(new Uri("https://idp.example:8443/realms/dev/.well-known/openid-configuration"), pathWithSlash.DiscoveryUrl);
        Assert.Equal("/realms/dev/", pathWithSlash.Path);
        Assert.False(OidcProviderUrl.TryParse("https://tenant.eu.auth0.com//", out _, out _));
        Assert.False(OidcProviderUrl.TryParse("https://idp.example/realms//", out _, out _));
    }

    [Fact]
    public void The_ARN_and_condition_keys_keep_the_port()
    {
        var provider = Parse("https://idp.example:8443/realms/dev");
        Assert.Equal("arn:aws:iam::123456789012:oidc-provider/idp.example:8443/realms/dev", provider.Arn("123456789012"));
        Assert.Equal("idp.example:8443/realms/dev:sub", provider.ConditionKey("sub"));
        Assert.Equal(new Uri("https://idp.example:8443/realms/dev/.well-known/openid-configuration"), provider.DiscoveryUrl);
        Assert.Equal(8443, provider.Port);
        Assert.Equal("idp.example", provider.Host);
        Assert.Equal("/realms/dev", provider.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("http://idp.example")]
    [InlineData("ftp://idp.example")]
    [InlineData("https://")]
    [InlineData("https://idp.example?x=1")]
    [InlineData("https://idp.example/#frag")]
    [InlineData("https://user@idp.example")]
    [InlineData("https://idp.example:0")]
    [InlineData("https://idp.example:65536")]
    [InlineData("https://idp.example:08443")]
    [InlineData("https://idp.example:")]
    [InlineData("https://idp.example:port")]
    [InlineData("https://idp..example")]
    [InlineData("https://-idp.example")]
    [InlineData("https://idp_example.com")]
    [InlineData("https://idp.example/a//b")]
    [InlineData("https://idp.example/a/../b")]
    [InlineData("https://idp.example/./b")]
    [InlineData("https://idp.example/a b")]
    [InlineData("https://idp.example/a\"b")]
    [InlineData("https://idé.example")]
    [InlineData("https://[::1")]
    [InlineData("https://[]")]
    [InlineData("https://[::1]x")]
    public void Malformed_provider_URLs_are_refused_with_a_reason(string url)
    {
        Assert.False(OidcProviderUrl.TryParse(url, out var provider, out var error));
        Assert.Null(provider);
        Assert.StartsWith("The provider URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_provider_URL_longer_than_IAM_allows_is_refused()
    {
        Assert.True(OidcProviderUrl.TryParse("https://idp.example/" + new string('a', 255 - 20), out _, out _));
        Assert.False(OidcProviderUrl.TryParse("https://idp.example/" + new string('a', 256 - 20), out _, out var error));
        Assert.Contains("255", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_normal_form_is_stable_and_parsing_never_throws() =>
        Gen.Select(
                Gen.OneOf("https://", "HTTPS://", "", "http://", "https:/"),
                Gen.OneOf("idp.example", "IdP.Example", "127.0.0.1", "[::1]", "a-b.c", "", "x..y", "h@st"),
                Gen.OneOf("", ":443", ":8443", ":0", ":99999", ":"),
                Gen.OneOf("", "/", "/realms/Dev", "/a/b/", "/a//b", "/%41", "/~u", "/a?b", "/a#b", "/ä"))
            .Sample((scheme, host, port, path) =>
            {
                if (OidcProviderUrl.TryParse(scheme + host + port + path, out var provider, out var error))
                {
                    Assert.Null(error);
                    Assert.Equal(provider, Parse(provider.HostAndPath));
                    Assert.Equal(provider, Parse(provider.IssuerUrl));
                    Assert.DoesNotContain(":443", provider.HostAndPath, StringComparison.Ordinal);
                    Assert.Equal(path.EndsWith('/'), provider.HostAndPath.EndsWith('/'));
                    Assert.DoesNotContain("//", provider.HostAndPath, StringComparison.Ordinal);
                    Assert.Equal(provider.HostAndPath, provider.HostAndPath.ToLowerInvariant()[..provider.Host.Length] + provider.HostAndPath[provider.Host.Length..]);
                }
                else
                {
                    Assert.NotNull(error);
                }
            }, iter: 2000);
}
