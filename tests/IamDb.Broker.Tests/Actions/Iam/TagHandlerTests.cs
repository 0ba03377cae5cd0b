namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class TagHandlerTests : IamHandlerTestBase
{
    public static TheoryData<string, string> Taggable => new() { { "User", "UserName" }, { "Role", "RoleName" } };

    private async Task CreateTaggable(string kind, string name)
    {
        if (kind == "User")
        {
            await CreateUser(name);
        }
        else
        {
            await CreateRole(name);
        }
    }

    private static (string, string)[] Tags(string nameParameter, string name, int from, int count) =>
    [
        (nameParameter, name),
        .. Enumerable.Range(1, count).SelectMany(i => new[] { ($"Tags.member.{i}.Key", $"k{from + i}"), ($"Tags.member.{i}.Value", $"v{from + i}") }),
    ];

    [Theory]
    [MemberData(nameof(Taggable))]
    public async Task TagListUntag_RoundTripsAndOverwritesCaseInsensitively(string kind, string nameParameter)
    {
        await CreateTaggable(kind, "e");

        (await Call($"Tag{kind}", (nameParameter, "e"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "data"),
            ("Tags.member.2.Key", "cost"), ("Tags.member.2.Value", "42"))).Ok();
        (await Call($"Tag{kind}", (nameParameter, "e"), ("Tags.member.1.Key", "TEAM"), ("Tags.member.1.Value", "ops"))).Ok();
        var listed = (await Call($"List{kind}Tags", (nameParameter, "e"))).Ok();
        (await Call($"Untag{kind}", (nameParameter, "e"), ("TagKeys.member.1", "Cost"))).Ok();
        var after = (await Call($"List{kind}Tags", (nameParameter, "e"))).Ok();

        Assert.Contains(
            "<Tags><member><Key>TEAM</Key><Value>ops</Value></member><member><Key>cost</Key><Value>42</Value></member></Tags><IsTruncated>false</IsTruncated>",
            listed.Xml);
        Assert.Equal(["TEAM"], after.Result!.Descendants().Where(e => e.Name.LocalName == "Key").Select(e => e.Value));
    }

    [Theory]
    [MemberData(nameof(Taggable))]
    public async Task Tag_Over50InTotal_IsLimitExceeded(string kind, string nameParameter)
    {
        await CreateTaggable(kind, "e");
        (await Call($"Tag{kind}", Tags(nameParameter, "e", 0, 50))).Ok();

        var message = (await Call($"Tag{kind}", Tags(nameParameter, "e", 50, 1))).Fails("LimitExceeded", 409);

        Assert.Equal($"Cannot exceed quota for TagsPer{kind}: 50.", message);
        Assert.Equal(50, (await Call($"List{kind}Tags", (nameParameter, "e"))).Values("Tags/member").Count);
    }

    [Fact]
    public async Task TagUser_51InOneRequest_IsValidationError()
    {
        await CreateUser("e");

        var message = (await Call("TagUser", Tags("UserName", "e", 0, 51))).Fails("ValidationError", 400);

        Assert.Contains("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50", message);
    }

    [Fact]
    public async Task TagUser_DuplicateKeys_IsInvalidInput()
    {
        await CreateUser("e");

        var message = (await Call("TagUser", ("UserName", "e"), ("Tags.member.1.Key", "a"), ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "A"), ("Tags.member.2.Value", "2"))).Fails("InvalidInput", 400);

        Assert.Equal("Duplicate tag keys found. Please note that Tag keys are case insensitive.", message);
    }

    [Theory]
    [InlineData("bad#key", "v", "tags.1.member.key")]
    [InlineData("k", "bad*value", "tags.1.member.value")]
    public async Task TagUser_KeyOrValueOutsidePattern_IsValidationError(string key, string value, string member)
    {
        await CreateUser("e");

        var message = (await Call("TagUser", ("UserName", "e"), ("Tags.member.1.Key", key), ("Tags.member.1.Value", value))).Fails("ValidationError", 400);

        Assert.Contains($"at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern", message);
    }

    [Fact]
    public async Task TagUser_AwsPrefix_IsInvalidInput()
    {
        await CreateUser("e");

        (await Call("TagUser", ("UserName", "e"), ("Tags.member.1.Key", "aws:team"), ("Tags.member.1.Value", "x"))).Fails("InvalidInput", 400);
    }

    [Fact]
    public async Task ListUserTags_Pages()
    {
        await CreateUser("e");
        (await Call("TagUser", Tags("UserName", "e", 0, 3))).Ok();

        var first = (await Call("ListUserTags", ("UserName", "e"), ("MaxItems", "2"))).Ok();
        var second = (await Call("ListUserTags", ("UserName", "e"), ("Marker", first.Value("Marker")!))).Ok();

        Assert.Equal(2, first.Values("Tags/member").Count);
        Assert.Equal("true", first.Value("IsTruncated"));
        Assert.Equal("k3", second.Value("Tags/member/Key"));
    }

    [Fact]
    public async Task TagRole_MissingRole_IsNoSuchEntity()
    {
        (await Call("TagRole", ("RoleName", "ghost"), ("Tags.member.1.Key", "a"), ("Tags.member.1.Value", "1"))).Fails("NoSuchEntity", 404);
    }
}
