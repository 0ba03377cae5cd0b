using IamDb.Broker.Tests.Actions.Iam;

namespace IamDb.Broker.Tests.Actions.IdentityProviders;

public sealed class OpenIdConnectProviderHandlerTests : IamHandlerTestBase
{
    private const string Arn = $"arn:aws:iam::{Account}:oidc-provider/idp.example:8443/realms/main";
    private static readonly string ThumbprintA = new('a', 40);
    private static readonly string ThumbprintB = "0123456789ABCDEF0123456789abcdef01234567";

    private Task<IamResponse> Create(string url, params (string, string)[] more) =>
        Call("CreateOpenIDConnectProvider", [("Url", url), .. more]);

    [Fact]
    public async Task Create_WithPortAndPath_ArnIsHostPortPathAndGetAnswersAsAws()
    {
        var created = (await Create(
            "https://IdP.Example:8443/realms/main",
            ("ClientIDList.member.1", "sts.amazonaws.com"),
            ("ClientIDList.member.2", "iamdb"),
            ("ClientIDList.member.3", "iamdb"),
            ("ThumbprintList.member.1", ThumbprintA),
            ("Tags.member.1.Key", "iamdb:map/groups"),
            ("Tags.member.1.Value", "RedshiftDbGroups"))).Ok();
        Assert.Equal(Arn, created.Value("OpenIDConnectProviderArn"));
        Assert.Equal([("iam:CreateOpenIDConnectProvider", Arn)], created.Authorizations);
        Assert.Equal(Arn, Iam.LastOutcome!.ResponseElements["openIDConnectProviderArn"]);

        var got = (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Ok();
        var parsed = IamHarness.ParseWithBotocore(got);

        Assert.Equal("idp.example:8443/realms/main", parsed.GetProperty("Url").GetString());
        Assert.Equal(["sts.amazonaws.com", "iamdb"], parsed.GetProperty("ClientIDList").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([ThumbprintA], parsed.GetProperty("ThumbprintList").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("iamdb:map/groups", parsed.GetProperty("Tags")[0].GetProperty("Key").GetString());
        Assert.StartsWith("2026-11-24T02:39:32", parsed.GetProperty("CreateDate").GetString(), StringComparison.Ordinal);
        Assert.Equal([("iam:GetOpenIDConnectProvider", Arn)], got.Authorizations);

        var listed = (await Call("ListOpenIDConnectProviders")).Ok();
        Assert.Equal([Arn], IamHarness.ParseWithBotocore(listed).GetProperty("OpenIDConnectProviderList").EnumerateArray()
            .Select(e => e.GetProperty("Arn").GetString()));
        Assert.Equal([("iam:ListOpenIDConnectProviders", "*")], listed.Authorizations);
    }

    [Theory]
    [InlineData("https://idp.example", "idp.example")]
    [InlineData("https://idp.example:443", "idp.example")]
    [InlineData("https://idp.example:443/", "idp.example/")]
    [InlineData("HTTPS://IDP.example:8443", "idp.example:8443")]
    [InlineData("https://127.0.0.1:9000/issuer/", "127.0.0.1:9000/issuer/")]
    [InlineData("https://token.actions.example/x/y", "token.actions.example/x/y")]
    public async Task Create_NormalizesTheUrlAsTheArnAndIssuerLookupUseIt(string url, string key)
    {
        var arn = (await Create(url)).Ok().Value("OpenIDConnectProviderArn");

        Assert.Equal($"arn:aws:iam::{Account}:oidc-provider/{key}", arn);
    }

    [Theory]
    [InlineData("http://idp.example", "must begin with https://")]
    [InlineData("idp.example", "must begin with https://")]
    [InlineData("https://idp.example/?a=b", "must not have a query")]
    [InlineData("https://user@idp.example", "must not contain user information")]
    [InlineData("https://idp.example:0", "port must be a number from 1 to 65535")]
    [InlineData("https://idp.example:99999", "port must be a number from 1 to 65535")]
    [InlineData("https://:8443/x", "host")]
    public async Task Create_BadUrl_IsInvalidInputAndCreatesNothing(string url, string reason)
    {
        var message = (await Create(url)).Fails("InvalidInput", 400);

        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.Empty((await Call("ListOpenIDConnectProviders")).Ok().Values("OpenIDConnectProviderList/member"));
    }

    [Fact]
    public async Task Create_SameIssuerTwice_IsEntityAlreadyExists()
    {
        (await Create("https://idp.example")).Ok();

        var message = (await Create("https://IDP.example:443")).Fails("EntityAlreadyExists", 409);

        Assert.Equal("Provider with url https://idp.example already exists.", message);
    }

    /// <summary>
    /// As in AWS, the trailing slash is part of the URL (Auth0's issuer is <c>https://TENANT.auth0.com/</c> and its AWS
    /// provider <c>oidc-provider/TENANT.auth0.com/</c>): both spellings can be registered, as two providers, and Get
    /// answers each as registered.
    /// </summary>
    [Fact]
    public async Task Create_WithAndWithoutTrailingSlash_AreTwoProvidersAsInAws()
    {
        var bare = (await Create("https://tenant.auth0.example")).Ok().Value("OpenIDConnectProviderArn");
        var slashed = (await Create("https://tenant.auth0.example/")).Ok().Value("OpenIDConnectProviderArn");
        var again = (await Create("https://TENANT.auth0.example/")).Fails("EntityAlreadyExists", 409);
        var got = IamHarness.ParseWithBotocore((await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", slashed!))).Ok());

        Assert.Equal($"arn:aws:iam::{Account}:oidc-provider/tenant.auth0.example", bare);
        Assert.Equal($"arn:aws:iam::{Account}:oidc-provider/tenant.auth0.example/", slashed);
        Assert.Equal("Provider with url https://tenant.auth0.example/ already exists.", again);
        Assert.Equal("tenant.auth0.example/", got.GetProperty("Url").GetString());
    }

    [Fact]
    public async Task Create_ThumbprintRules_LengthIsValidationErrorHexIsInvalidInputSixIsLimitExceeded()
    {
        (await Create("https://idp.example", ("ThumbprintList.member.1", "abc"))).Fails("ValidationError", 400);
        var notHex = (await Create("https://idp.example", ("ThumbprintList.member.1", new string('g', 40)))).Fails("InvalidInput", 400);
        var six = Enumerable.Range(0, 6).Select(i => ($"ThumbprintList.member.{i + 1}", new string((char)('a' + i), 40))).ToArray();
        var tooMany = (await Create("https://idp.example", six)).Fails("LimitExceeded", 409);

        Assert.Contains("hexadecimal", notHex, StringComparison.Ordinal);
        Assert.Equal("Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5.", tooMany);
        Assert.Empty((await Call("ListOpenIDConnectProviders")).Ok().Values("OpenIDConnectProviderList/member"));
        (await Create("https://idp.example", six[..5])).Ok(); // five is allowed; none at all too (below)
        (await Create("https://other.example")).Ok();
    }

    [Fact]
    public async Task ClientIds_AddAndRemove_AreIdempotentAndCappedAt100()
    {
        (await Create("https://idp.example:8443/realms/main", ("ClientIDList.member.1", "a"))).Ok();

        (await Call("AddClientIDToOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", "b"))).Ok();
        (await Call("AddClientIDToOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", "b"))).Ok();
        (await Call("RemoveClientIDFromOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", "a"))).Ok();
        (await Call("RemoveClientIDFromOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", "never-there"))).Ok();
        Assert.Equal(["b"], (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Ok().Values("ClientIDList/member"));

        for (var i = 0; i < 99; i++)
        {
            (await Call("AddClientIDToOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", $"c{i}"))).Ok();
        }

        var message = (await Call("AddClientIDToOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", "one-more"))).Fails("LimitExceeded", 409);
        Assert.Equal("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100.", message);
        Assert.Equal(100, (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Ok().Values("ClientIDList/member").Count);
    }

    [Fact]
    public async Task UpdateThumbprint_ReplacesTheList()
    {
        (await Create("https://idp.example:8443/realms/main", ("ThumbprintList.member.1", ThumbprintA))).Ok();

        (await Call("UpdateOpenIDConnectProviderThumbprint", ("OpenIDConnectProviderArn", Arn), ("ThumbprintList.member.1", ThumbprintB))).Ok();

        Assert.Equal([ThumbprintB.ToLowerInvariant()], (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Ok().Values("ThumbprintList/member"));
    }

    [Fact]
    public async Task Delete_ThenEveryActionOnIt_IsNoSuchEntity()
    {
        (await Create("https://idp.example:8443/realms/main")).Ok();

        (await Call("DeleteOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Ok();

        var expected = $"OpenIDConnect Provider not found for arn {Arn}";
        Assert.Equal(expected, (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Fails("NoSuchEntity", 404));
        Assert.Equal(expected, (await Call("DeleteOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn))).Fails("NoSuchEntity", 404));
        (await Call("AddClientIDToOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("ClientID", "x"))).Fails("NoSuchEntity", 404);
        (await Call("UpdateOpenIDConnectProviderThumbprint", ("OpenIDConnectProviderArn", Arn), ("ThumbprintList.member.1", ThumbprintA))).Fails("NoSuchEntity", 404);
        (await Call("ListOpenIDConnectProviderTags", ("OpenIDConnectProviderArn", Arn))).Fails("NoSuchEntity", 404);
        Assert.Empty((await Call("ListOpenIDConnectProviders")).Ok().Values("OpenIDConnectProviderList/member"));
    }

    [Fact]
    public async Task ArnOfAnotherAccountOrKind_IsNotFoundOrInvalid()
    {
        (await Create("https://idp.example")).Ok();

        (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", "arn:aws:iam::999999999999:oidc-provider/idp.example"))).Fails("NoSuchEntity", 404);
        var invalid = (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", $"arn:aws:iam::{Account}:saml-provider/idp"))).Fails("InvalidInput", 400);
        (await Call("GetOpenIDConnectProvider", ("OpenIDConnectProviderArn", "short"))).Fails("ValidationError", 400);

        Assert.Equal($"ARN arn:aws:iam::{Account}:saml-provider/idp is not valid.", invalid);
    }

    [Fact]
    public async Task Tags_TagListUntag_RoundTripAndCapAt50()
    {
        (await Create("https://idp.example:8443/realms/main", ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "data"))).Ok();

        (await Call("TagOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("Tags.member.1.Key", "TEAM"), ("Tags.member.1.Value", "ops"),
            ("Tags.member.2.Key", "iamdb:map-filter/groups"), ("Tags.member.2.Value", "db_"))).Ok();
        var listed = (await Call("ListOpenIDConnectProviderTags", ("OpenIDConnectProviderArn", Arn))).Ok();
        (await Call("UntagOpenIDConnectProvider", ("OpenIDConnectProviderArn", Arn), ("TagKeys.member.1", "team"))).Ok();
        var after = (await Call("ListOpenIDConnectProviderTags", ("OpenIDConnectProviderArn", Arn))).Ok();
        var many = Enumerable.Range(0, 50).SelectMany(i => new[] { ($"Tags.member.{i + 1}.Key", $"k{i}"), ($"Tags.member.{i + 1}.Value", "v") });
        var limit = (await Call("TagOpenIDConnectProvider", [("OpenIDConnectProviderArn", Arn), .. many])).Fails("LimitExceeded", 409);

        Assert.Equal(["TEAM", "iamdb:map-filter/groups"], IamHarness.ParseWithBotocore(listed).GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString()));
        Assert.Equal("false", listed.Value("IsTruncated"));
        Assert.Equal(["iamdb:map-filter/groups"], after.Result!.Descendants().Where(e => e.Name.LocalName == "Key").Select(e => e.Value));
        Assert.Equal("Cannot exceed quota for TagsPerOpenIDConnectProvider: 50.", limit);
        Assert.Equal([("iam:ListOpenIDConnectProviderTags", Arn)], after.Authorizations);
    }

    [Fact]
    public async Task Denied_CreatesNothing()
    {
        Iam.Authorizer.Deny = "iam:CreateOpenIDConnectProvider";

        var message = (await Create("https://idp.example")).Fails("AccessDenied", 403);

        Assert.Contains($"iam:CreateOpenIDConnectProvider on resource: arn:aws:iam::{Account}:oidc-provider/idp.example", message, StringComparison.Ordinal);
        Iam.Authorizer.Deny = null;
        Assert.Empty((await Call("ListOpenIDConnectProviders")).Ok().Values("OpenIDConnectProviderList/member"));
    }
}
