using CsCheck;
using IamDb.Federation.WebIdentity;

namespace IamDb.Federation.Tests.WebIdentity;

public sealed class OidcDiscoveryDocumentTests
{
    [Fact]
    public void The_issuer_keys_location_and_sign_in_endpoints_are_read()
    {
        Assert.True(OidcDiscoveryDocument.TryParse("""
            {"issuer":"https://idp.example:8443/realms/dev","jwks_uri":"https://idp.example:8443/realms/dev/certs",
             "authorization_endpoint":"https://idp.example:8443/auth","token_endpoint":"https://idp.example:8443/token",
             "device_authorization_endpoint":"https://idp.example:8443/device","id_token_signing_alg_values_supported":["RS256","ES256"],
             "response_types_supported":["code"]}
            """, out var document, out var error), error);
        Assert.Equal("idp.example:8443/realms/dev", document.Issuer.HostAndPath);
        Assert.Equal("https://idp.example:8443/realms/dev", document.IssuerText);
        Assert.Equal(new Uri("https://idp.example:8443/realms/dev/certs"), document.JwksUri);
        Assert.Equal(new Uri("https://idp.example:8443/auth"), document.AuthorizationEndpoint);
        Assert.Equal(new Uri("https://idp.example:8443/token"), document.TokenEndpoint);
        Assert.Equal(new Uri("https://idp.example:8443/device"), document.DeviceAuthorizationEndpoint);
        Assert.Equal(["RS256", "ES256"], document.IdTokenSigningAlgorithms);
    }

    [Fact]
    public void The_sign_in_endpoints_are_optional()
    {
        Assert.True(OidcDiscoveryDocument.TryParse("""{"issuer":"https://k8s.example","jwks_uri":"https://k8s.example/openid/v1/jwks"}""", out var document, out _));
        Assert.Null(document.AuthorizationEndpoint);
        Assert.Null(document.DeviceAuthorizationEndpoint);
        Assert.Empty(document.IdTokenSigningAlgorithms);
    }

    [Theory]
    [InlineData("""{"issuer":"https://idp.example"}""", "jwks_uri")]
    [InlineData("""{"issuer":"https://idp.example","jwks_uri":"http://idp.example/keys"}""", "jwks_uri")]
    [InlineData("""{"issuer":"https://idp.example","jwks_uri":"/keys"}""", "jwks_uri")]
    [InlineData("""{"issuer":"https://idp.example","jwks_uri":"https://u:p@idp.example/keys"}""", "jwks_uri")]
    [InlineData("""{"issuer":"https://idp.example","jwks_uri":7}""", "jwks_uri")]
    [InlineData("""{"issuer":"https://idp.example","jwks_uri":"https://idp.example/keys","token_endpoint":"http://idp.example/token"}""", "token_endpoint")]
    [InlineData("""{"jwks_uri":"https://idp.example/keys"}""", "issuer")]
    [InlineData("""{"issuer":"http://idp.example","jwks_uri":"https://idp.example/keys"}""", "issuer")]
    [InlineData("""{"issuer":"https://idp.example","issuer":"https://evil.example","jwks_uri":"https://idp.example/keys"}""", "repeats")]
    [InlineData("""[]""", "JSON object")]
    [InlineData("""not json""", "JSON object")]
    public void A_discovery_document_we_cannot_trust_is_refused_naming_the_problem(string json, string mentioned)
    {
        Assert.False(OidcDiscoveryDocument.TryParse(json, out var document, out var error));
        Assert.Null(document);
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsing_never_throws_on_mutated_documents()
    {
        const string Seed = """{"issuer":"https://idp.example:8443","jwks_uri":"https://idp.example:8443/certs","token_endpoint":"https://idp.example:8443/t","id_token_signing_alg_values_supported":["RS256"]}""";
        Gen.Select(Gen.Int[0, Seed.Length - 1], Gen.Int[0, 10], Gen.OneOf("", "\"", "{", "}", "[", "]", ",", ":", "null", "http:", "\\ud800", "//", "?", "#"))
            .Array[1, 5]
            .Sample(edits =>
            {
                var text = Seed;
                foreach (var (at, remove, insert) in edits)
                {
                    var start = Math.Min(at, text.Length);
                    text = text.Remove(start, Math.Min(remove, text.Length - start)).Insert(start, insert);
                }

                Assert.True(OidcDiscoveryDocument.TryParse(text, out var document, out var error) ^ (error is not null));
                if (document is not null)
                {
                    Assert.Equal(Uri.UriSchemeHttps, document.JwksUri.Scheme);
                }
            }, iter: 2000);
    }
}
