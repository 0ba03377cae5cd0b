using IamDb.Broker.Tests.Actions.Iam;

namespace IamDb.Broker.Tests.Actions.IdentityProviders;

public sealed class SamlProviderHandlerTests : IamHandlerTestBase
{
    private const string Arn = $"arn:aws:iam::{Account}:saml-provider/Okta";

    private Task<IamResponse> Create(string name, string document, params (string, string)[] more) =>
        Call("CreateSAMLProvider", [("Name", name), ("SAMLMetadataDocument", document), .. more]);

    [Fact]
    public async Task Create_GetList_AnswerAsAwsWithValidUntilFromTheMetadata()
    {
        var created = (await Create("Okta", SamlMetadataDocuments.First, ("Tags.member.1.Key", "iamdb:map/groups"), ("Tags.member.1.Value", "RedshiftDbGroups"))).Ok();
        Assert.Equal(Arn, created.Value("SAMLProviderArn"));
        Assert.Equal([("iam:CreateSAMLProvider", Arn)], created.Authorizations);

        var got = (await Call("GetSAMLProvider", ("SAMLProviderArn", Arn))).Ok();
        var parsed = IamHarness.ParseWithBotocore(got);
        var listed = IamHarness.ParseWithBotocore((await Call("ListSAMLProviders")).Ok()).GetProperty("SAMLProviderList");

        Assert.Equal(SamlMetadataDocuments.First, parsed.GetProperty("SAMLMetadataDocument").GetString());
        Assert.StartsWith("2030-01-01T00:00:00", parsed.GetProperty("ValidUntil").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("2026-11-24T02:39:32", parsed.GetProperty("CreateDate").GetString(), StringComparison.Ordinal);
        Assert.Equal("RedshiftDbGroups", parsed.GetProperty("Tags")[0].GetProperty("Value").GetString());
        Assert.Equal(Arn, listed[0].GetProperty("Arn").GetString());
        Assert.StartsWith("2030-01-01T00:00:00", listed[0].GetProperty("ValidUntil").GetString(), StringComparison.Ordinal);
        Assert.Equal([("iam:GetSAMLProvider", Arn)], got.Authorizations);
    }

    [Fact]
    public async Task Update_ReplacesTheDocument_RotatingCertificates()
    {
        (await Create("Okta", SamlMetadataDocuments.First)).Ok();

        var updated = (await Call("UpdateSAMLProvider", ("SAMLProviderArn", Arn), ("SAMLMetadataDocument", SamlMetadataDocuments.Rotated))).Ok();
        var got = (await Call("GetSAMLProvider", ("SAMLProviderArn", Arn))).Ok();

        Assert.Equal(Arn, updated.Value("SAMLProviderArn"));
        Assert.Equal(SamlMetadataDocuments.Rotated, got.Value("SAMLMetadataDocument"));
        Assert.StartsWith("2031-06-30T12:00:00", got.Value("ValidUntil"), StringComparison.Ordinal);
        Assert.Equal([("iam:UpdateSAMLProvider", Arn)], updated.Authorizations);
    }

    public static TheoryData<string, string> UnusableDocuments => new()
    {
        { "<md:EntityDescriptor " + new string(' ', 1000), "not usable XML" },
        { "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + SamlMetadataDocuments.First, "not usable XML" },
        { SamlMetadataDocuments.WithCertificate("https://idp.example/", "bm90IGEgY2VydGlmaWNhdGU=") + new string(' ', 800), "not a base64 DER certificate" },
        { "<other xmlns=\"urn:x\">" + new string('x', 1000) + "</other>", "root element must be md:EntityDescriptor" },
    };

    [Theory]
    [MemberData(nameof(UnusableDocuments))]
    public async Task Create_UnusableMetadata_IsInvalidInputAndCreatesNothing(string document, string reason)
    {
        var message = (await Create("Okta", document)).Fails("InvalidInput", 400);

        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.Empty((await Call("ListSAMLProviders")).Ok().Values("SAMLProviderList/member"));
    }

    [Fact]
    public async Task Update_UnusableMetadata_IsInvalidInputAndKeepsTheOldDocument()
    {
        (await Create("Okta", SamlMetadataDocuments.First)).Ok();

        (await Call("UpdateSAMLProvider", ("SAMLProviderArn", Arn), ("SAMLMetadataDocument", "<x>" + new string('y', 1000) + "</x>"))).Fails("InvalidInput", 400);

        Assert.Equal(SamlMetadataDocuments.First, (await Call("GetSAMLProvider", ("SAMLProviderArn", Arn))).Ok().Value("SAMLMetadataDocument"));
    }

    [Fact]
    public async Task Create_ModelConstraints_AreValidationErrors()
    {
        (await Create("Okta", "<short/>")).Fails("ValidationError", 400);
        (await Create("has space", SamlMetadataDocuments.First)).Fails("ValidationError", 400);
        (await Create(new string('n', 129), SamlMetadataDocuments.First)).Fails("ValidationError", 400);
        (await Create(new string('n', 128), SamlMetadataDocuments.First)).Ok();
    }

    [Fact]
    public async Task Create_SameNameTwice_IsEntityAlreadyExists()
    {
        (await Create("Okta", SamlMetadataDocuments.First)).Ok();

        (await Create("Okta", SamlMetadataDocuments.Rotated)).Fails("EntityAlreadyExists", 409);
    }

    [Fact]
    public async Task Create_WithPrivateKey_IsRefusedWithoutEchoingIt()
    {
        const string PrivateKey = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-----END PRIVATE KEY-----";

        var message = (await Create("Okta", SamlMetadataDocuments.First, ("AddPrivateKey", PrivateKey))).Fails("InvalidInput", 400);

        Assert.Contains("encrypted SAML assertions", message, StringComparison.Ordinal);
        Assert.DoesNotContain("MIIEvQ", message, StringComparison.Ordinal);
        Assert.True(IamDb.Broker.Audit.AuditRecordFactory.IsSecret("AddPrivateKey"));
    }

    [Fact]
    public async Task Delete_ThenGet_IsNoSuchEntity()
    {
        (await Create("Okta", SamlMetadataDocuments.First)).Ok();

        (await Call("DeleteSAMLProvider", ("SAMLProviderArn", Arn))).Ok();

        Assert.Equal($"Manifest not found for arn {Arn}", (await Call("GetSAMLProvider", ("SAMLProviderArn", Arn))).Fails("NoSuchEntity", 404));
        (await Call("DeleteSAMLProvider", ("SAMLProviderArn", Arn))).Fails("NoSuchEntity", 404);
        (await Call("UpdateSAMLProvider", ("SAMLProviderArn", Arn), ("SAMLMetadataDocument", SamlMetadataDocuments.Rotated))).Fails("NoSuchEntity", 404);
        (await Call("TagSAMLProvider", ("SAMLProviderArn", Arn), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"))).Fails("NoSuchEntity", 404);
        (await Call("GetSAMLProvider", ("SAMLProviderArn", "arn:aws:iam::999999999999:saml-provider/Okta"))).Fails("NoSuchEntity", 404);
        (await Call("GetSAMLProvider", ("SAMLProviderArn", $"arn:aws:iam::{Account}:oidc-provider/x"))).Fails("InvalidInput", 400);
    }

    [Fact]
    public async Task Tags_TagListUntag_RoundTrip()
    {
        (await Create("Okta", SamlMetadataDocuments.First)).Ok();

        (await Call("TagSAMLProvider", ("SAMLProviderArn", Arn), ("Tags.member.1.Key", "iamdb:map/groups"), ("Tags.member.1.Value", "RedshiftDbGroups"),
            ("Tags.member.2.Key", "owner"), ("Tags.member.2.Value", "sec"))).Ok();
        (await Call("UntagSAMLProvider", ("SAMLProviderArn", Arn), ("TagKeys.member.1", "OWNER"))).Ok();
        var listed = (await Call("ListSAMLProviderTags", ("SAMLProviderArn", Arn))).Ok();

        Assert.Equal(["iamdb:map/groups"], IamHarness.ParseWithBotocore(listed).GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString()));
        Assert.Equal([("iam:ListSAMLProviderTags", Arn)], listed.Authorizations);
    }
}
