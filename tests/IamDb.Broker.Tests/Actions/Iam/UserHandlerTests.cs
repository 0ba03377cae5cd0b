namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class UserHandlerTests : IamHandlerTestBase
{
    [Fact]
    public async Task CreateUser_WithPathAndTags_ReturnsAwsUserShape()
    {
        var response = (await Call(
            "CreateUser", ("UserName", "alice"), ("Path", "/eng/"), ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "data"))).Ok();

        var id = response.Value("User/UserId")!;
        Assert.Matches("^AIDA[A-Z2-7]{17}$", id);
        Assert.Equal(
            "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateUserResult><User><Path>/eng/</Path>"
            + $"<UserName>alice</UserName><UserId>{id}</UserId><Arn>arn:aws:iam::123456789012:user/eng/alice</Arn>"
            + "<CreateDate>2026-11-24T02:39:32.123Z</CreateDate><Tags><member><Key>team</Key><Value>data</Value></member></Tags></User>"
            + "</CreateUserResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateUserResponse>",
            response.Xml);
    }

    [Fact]
    public async Task CreateUser_ParsedByBotocore_YieldsUser()
    {
        var response = (await Call("CreateUser", ("UserName", "alice"))).Ok();

        var user = IamHarness.ParseWithBotocore(response).GetProperty("User");

        Assert.Equal("alice", user.GetProperty("UserName").GetString());
        Assert.Equal("/", user.GetProperty("Path").GetString());
        Assert.Equal("2026-11-24T02:39:32.123000Z", user.GetProperty("CreateDate").GetString());
    }

    [Fact]
    public async Task CreateUser_SameNameOtherCase_IsEntityAlreadyExists()
    {
        await CreateUser("alice");

        var message = (await Call("CreateUser", ("UserName", "ALICE"))).Fails("EntityAlreadyExists", 409);

        Assert.Equal("User with name ALICE already exists.", message);
    }

    [Theory]
    [InlineData("bad name", "Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")]
    [InlineData("", "Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1")]
    [InlineData("Jürgen", "Value 'Jürgen' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")]
    public async Task CreateUser_InvalidName_IsValidationError(string name, string expected)
    {
        var message = (await Call("CreateUser", ("UserName", name))).Fails("ValidationError", 400);

        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task CreateUser_NameOf65Characters_IsValidationError()
    {
        var message = (await Call("CreateUser", ("UserName", new string('a', 65)))).Fails("ValidationError", 400);

        Assert.Contains("Member must have length less than or equal to 64", message);
    }

    [Theory]
    [InlineData("eng")]
    [InlineData("/eng")]
    [InlineData("/e g/")]
    public async Task CreateUser_InvalidPath_IsValidationError(string path)
    {
        var message = (await Call("CreateUser", ("UserName", "alice"), ("Path", path))).Fails("ValidationError", 400);

        Assert.Contains($"Value '{path}' at 'path' failed to satisfy constraint", message);
    }

    [Fact]
    public async Task CreateUser_MissingName_IsValidationErrorNamingTheMember()
    {
        var message = (await Call("CreateUser")).Fails("ValidationError", 400);

        Assert.Equal("1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null", message);
    }

    [Fact]
    public async Task CreateUser_UnknownBoundary_IsNoSuchEntityAndCreatesNothing()
    {
        var message = (await Call("CreateUser", ("UserName", "alice"), ("PermissionsBoundary", PolicyArn("Nope")))).Fails("NoSuchEntity", 404);

        Assert.Equal($"Policy {PolicyArn("Nope")} does not exist or is not attachable.", message);
        (await Call("GetUser", ("UserName", "alice"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task GetUser_Missing_IsNoSuchEntityInAwsWords()
    {
        var message = (await Call("GetUser", ("UserName", "ghost"))).Fails("NoSuchEntity", 404);

        Assert.Equal("The user with name ghost cannot be found.", message);
    }

    [Fact]
    public async Task GetUser_WithBoundary_ReturnsPermissionsBoundary()
    {
        var boundary = await CreatePolicy("Boundary");
        await CreateUser("alice");
        (await Call("PutUserPermissionsBoundary", ("UserName", "alice"), ("PermissionsBoundary", boundary))).Ok();

        var response = (await Call("GetUser", ("UserName", "Alice"))).Ok();

        Assert.Equal("alice", response.Value("User/UserName"));
        Assert.Equal("PermissionsBoundaryPolicy", response.Value("User/PermissionsBoundary/PermissionsBoundaryType"));
        Assert.Equal(boundary, response.Value("User/PermissionsBoundary/PermissionsBoundaryArn"));
    }

    [Fact]
    public async Task GetUser_RootWithoutName_ReturnsRootShape()
    {
        var response = (await Call("GetUser")).Ok();

        Assert.Equal(
            "<GetUserResult><User><UserId>123456789012</UserId><Arn>arn:aws:iam::123456789012:root</Arn>"
            + "<CreateDate>2026-11-24T02:39:32.123Z</CreateDate></User></GetUserResult>",
            response.Result!.ToString(System.Xml.Linq.SaveOptions.DisableFormatting).Replace(" xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"", ""));
    }

    [Fact]
    public async Task GetUser_UserCallerWithoutName_ReturnsCallersUser()
    {
        await CreateUser("bob", "/ops/");
        Iam.Caller = IamHarness.UserCaller("bob");

        var response = (await Call("GetUser")).Ok();

        Assert.Equal("arn:aws:iam::123456789012:user/ops/bob", response.Value("User/Arn"));
        Assert.Equal([("iam:GetUser", "arn:aws:iam::123456789012:user/ops/bob")], response.Authorizations);
    }

    [Fact]
    public async Task ListUsers_PagesWithMarkerAndPathPrefix()
    {
        foreach (var name in new[] { "carol", "alice", "bob" })
        {
            await CreateUser(name, "/eng/");
        }

        await CreateUser("dave", "/ops/");

        var first = (await Call("ListUsers", ("PathPrefix", "/eng/"), ("MaxItems", "2"))).Ok();
        var second = (await Call("ListUsers", ("PathPrefix", "/eng/"), ("MaxItems", "2"), ("Marker", first.Value("Marker")!))).Ok();

        Assert.Equal(["alice", "bob"], first.Result!.Descendants().Where(e => e.Name.LocalName == "UserName").Select(e => e.Value));
        Assert.Equal("true", first.Value("IsTruncated"));
        Assert.Equal(["carol"], second.Result!.Descendants().Where(e => e.Name.LocalName == "UserName").Select(e => e.Value));
        Assert.Equal("false", second.Value("IsTruncated"));
        Assert.Null(second.Value("Marker"));
    }

    [Fact]
    public async Task ListUsers_OmitsTagsAsAwsDoes()
    {
        (await Call("CreateUser", ("UserName", "alice"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"))).Ok();

        var response = (await Call("ListUsers")).Ok();

        Assert.Null(response.Value("Users/member/Tags"));
        Assert.Equal("alice", response.Value("Users/member/UserName"));
    }

    [Theory]
    [InlineData("0", "Member must have value greater than or equal to 1")]
    [InlineData("1001", "Member must have value less than or equal to 1000")]
    [InlineData("x", "Member must be an integer")]
    public async Task ListUsers_BadMaxItems_IsValidationError(string maxItems, string constraint)
    {
        var message = (await Call("ListUsers", ("MaxItems", maxItems))).Fails("ValidationError", 400);

        Assert.Contains($"at 'maxItems' failed to satisfy constraint: {constraint}", message);
    }

    [Fact]
    public async Task ListUsers_ForeignMarker_IsInvalidInput()
    {
        await CreateGroup("g1");
        await CreateGroup("g2");
        var groupMarker = (await Call("ListGroups", ("MaxItems", "1"))).Ok().Value("Marker")!;

        (await Call("ListUsers", ("Marker", groupMarker))).Fails("InvalidInput", 400);
    }

    [Fact]
    public async Task UpdateUser_RenameAndMove_KeepsIdAndUpdatesArn()
    {
        await CreateUser("alice");
        var id = (await Call("GetUser", ("UserName", "alice"))).Value("User/UserId");

        (await Call("UpdateUser", ("UserName", "alice"), ("NewUserName", "alicia"), ("NewPath", "/eng/"))).Ok();
        var renamed = (await Call("GetUser", ("UserName", "alicia"))).Ok();

        Assert.Equal(id, renamed.Value("User/UserId"));
        Assert.Equal("arn:aws:iam::123456789012:user/eng/alicia", renamed.Value("User/Arn"));
        (await Call("GetUser", ("UserName", "alice"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task UpdateUser_ToTakenName_IsEntityAlreadyExists()
    {
        await CreateUser("alice");
        await CreateUser("bob");

        (await Call("UpdateUser", ("UserName", "alice"), ("NewUserName", "BOB"))).Fails("EntityAlreadyExists", 409);
    }

    [Fact]
    public async Task DeleteUser_Missing_IsNoSuchEntity()
    {
        (await Call("DeleteUser", ("UserName", "ghost"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task DeleteUser_WithAccessKey_IsDeleteConflict()
    {
        await CreateUser("alice");
        (await Call("CreateAccessKey", ("UserName", "alice"))).Ok();

        var message = (await Call("DeleteUser", ("UserName", "alice"))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete entity, must delete access keys first.", message);
    }

    [Fact]
    public async Task DeleteUser_InGroup_IsDeleteConflict()
    {
        await CreateUser("alice");
        await CreateGroup("devs");
        (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();

        var message = (await Call("DeleteUser", ("UserName", "alice"))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete entity, must remove users from group first.", message);
    }

    [Fact]
    public async Task DeleteUser_WithAttachedPolicy_IsDeleteConflict()
    {
        await CreateUser("alice");
        var arn = await CreatePolicy("P");
        (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", arn))).Ok();

        var message = (await Call("DeleteUser", ("UserName", "alice"))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete entity, must detach all policies first.", message);
    }

    [Fact]
    public async Task DeleteUser_WithInlinePolicy_IsDeleteConflict()
    {
        await CreateUser("alice");
        (await Call("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "p"), ("PolicyDocument", AllowS3))).Ok();

        var message = (await Call("DeleteUser", ("UserName", "alice"))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete entity, must delete policies first.", message);
    }

    [Fact]
    public async Task DeleteUser_WithoutDependents_RemovesUser()
    {
        await CreateUser("alice");

        (await Call("DeleteUser", ("UserName", "alice"))).Ok();

        Assert.DoesNotContain("<DeleteUserResult", (await Call("DeleteUser", ("UserName", "bob"))).Xml);
        (await Call("GetUser", ("UserName", "alice"))).Fails("NoSuchEntity", 404);
    }
}
