using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

public sealed class SamlConditionKeysTests
{
    private static VerifiedSamlAssertion Assertion(string format, IReadOnlyDictionary<string, IReadOnlyList<string>>? attributes = null) => new()
    {
        AssertionId = "_a1",
        Issuer = "https://example.com/saml",
        NameId = "ada@example.com",
        NameIdFormat = format,
        Audience = SamlExpectations.AwsSignInUrl,
        Recipient = "https://iamdb.example/saml",
        NotOnOrAfter = DateTimeOffset.UnixEpoch,
        ReplayUntil = DateTimeOffset.UnixEpoch,
        Roles = [],
        RoleSessionName = "ada",
        PrincipalTags = new Dictionary<string, string>(),
        TransitiveTagKeys = [],
        Attributes = attributes ?? new Dictionary<string, IReadOnlyList<string>>(),
    };

    [Fact]
    public void NameQualifier_is_AWS_s_base64_SHA1_of_issuer_account_and_provider_name()
    {
        // The example of the STS API reference, hashed independently (Python hashlib).
        Assert.Equal("1uAJanUnBc2XeUkHURMht+xam2c=", SamlConditionKeys.NameQualifier("https://example.com/saml", "123456789012", "MySAMLIdP"));
    }

    [Theory]
    [InlineData("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "persistent")]
    [InlineData("urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transient")]
    [InlineData("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")]
    public void Sub_type_drops_only_the_SAML_2_0_nameid_format_prefix(string format, string subType)
    {
        Assert.Equal(subType, Assertion(format).SubjectType);
        Assert.Equal([subType], SamlConditionKeys.For(Assertion(format), "123456789012", "MySAMLIdP")["SAML:sub_type"]);
    }

    [Fact]
    public void The_keys_carry_recipient_as_aud_issuer_subject_qualifier_doc_and_well_known_attributes()
    {
        var keys = SamlConditionKeys.For(
            Assertion(
                "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                new Dictionary<string, IReadOnlyList<string>>
                {
                    ["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"] = ["staff", "member"],
                    ["urn:oid:0.9.2342.19200300.100.1.3"] = ["ada@example.com"],
                    ["groups"] = ["analysts"],
                }),
            "123456789012",
            "MySAMLIdP");

        Assert.Equal(["https://iamdb.example/saml"], keys["SAML:aud"]);
        Assert.Equal(["https://example.com/saml"], keys["saml:iss"]);
        Assert.Equal(["ada@example.com"], keys["SAML:sub"]);
        Assert.Equal(["1uAJanUnBc2XeUkHURMht+xam2c="], keys["SAML:namequalifier"]);
        Assert.Equal(["123456789012/MySAMLIdP"], keys["SAML:doc"]);
        Assert.Equal(["staff", "member"], keys["SAML:edupersonaffiliation"]);
        Assert.Equal(["ada@example.com"], keys["SAML:mail"]);
        Assert.False(keys.ContainsKey("SAML:groups"));
    }
}
