namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class GroupHandlerTests : IamHandlerTestBase
{
    [Fact]
    public async Task CreateGroup_ReturnsAwsGroupShape()
    {
        var response = (await Call("CreateGroup", ("GroupName", "devs"), ("Path", "/eng/"))).Ok();

        var id = response.Value("Group/GroupId")!;
        Assert.Matches("^AGPA[A-Z2-7]{17}$", id);
        Assert.Contains(
            $"<CreateGroupResult><Group><Path>/eng/</Path><GroupName>devs</GroupName><GroupId>{id}</GroupId>"
            + "<Arn>arn:aws:iam::123456789012:group/eng/devs</Arn><CreateDate>2026-11-24T02:39:32.123Z</CreateDate></Group></CreateGroupResult>",
            response.Xml);
    }

    [Fact]
    public async Task CreateGroup_Duplicate_IsEntityAlreadyExists()
    {
        await CreateGroup("devs");

        var message = (await Call("CreateGroup", ("GroupName", "DEVS"))).Fails("EntityAlreadyExists", 409);

        Assert.Equal("Group with name DEVS already exists.", message);
    }

    [Fact]
    public async Task GetGroup_ListsMembersWithPaging()
    {
        await CreateGroup("devs");
        foreach (var name in new[] { "b", "a", "c" })
        {
            await CreateUser(name);
            (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", name))).Ok();
        }

        var first = (await Call("GetGroup", ("GroupName", "devs"), ("MaxItems", "2"))).Ok();
        var second = (await Call("GetGroup", ("GroupName", "devs"), ("Marker", first.Value("Marker")!))).Ok();

        Assert.Equal("devs", first.Value("Group/GroupName"));
        Assert.Equal(["a", "b"], first.Result!.Element(first.Result.Name.Namespace + "Users")!.Descendants().Where(e => e.Name.LocalName == "UserName").Select(e => e.Value));
        Assert.Equal("true", first.Value("IsTruncated"));
        Assert.Equal("c", second.Value("Users/member/UserName"));
        Assert.Equal("false", second.Value("IsTruncated"));
    }

    [Fact]
    public async Task GetGroup_ParsedByBotocore_YieldsGroupAndUsers()
    {
        await CreateGroup("devs");
        await CreateUser("alice");
        (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();

        var parsed = IamHarness.ParseWithBotocore((await Call("GetGroup", ("GroupName", "devs"))).Ok());

        Assert.Equal("devs", parsed.GetProperty("Group").GetProperty("GroupName").GetString());
        Assert.Equal("alice", parsed.GetProperty("Users")[0].GetProperty("UserName").GetString());
        Assert.False(parsed.GetProperty("IsTruncated").GetBoolean());
    }

    [Fact]
    public async Task GetGroup_Missing_IsNoSuchEntity()
    {
        var message = (await Call("GetGroup", ("GroupName", "ghost"))).Fails("NoSuchEntity", 404);

        Assert.Equal("The group with name ghost cannot be found.", message);
    }

    [Fact]
    public async Task AddUserToGroup_MissingUser_IsNoSuchEntity()
    {
        await CreateGroup("devs");

        var message = (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", "ghost"))).Fails("NoSuchEntity", 404);

        Assert.Equal("The user with name ghost cannot be found.", message);
    }

    [Fact]
    public async Task RemoveUserFromGroup_RemovesMembership()
    {
        await CreateGroup("devs");
        await CreateUser("alice");
        (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();

        (await Call("RemoveUserFromGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();

        Assert.Empty((await Call("ListGroupsForUser", ("UserName", "alice"))).Ok().Values("Groups/member"));
        (await Call("RemoveUserFromGroup", ("GroupName", "devs"), ("UserName", "alice"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task ListGroupsForUser_ListsGroupsInNameOrder()
    {
        await CreateUser("alice");
        foreach (var group in new[] { "ops", "devs" })
        {
            await CreateGroup(group);
            (await Call("AddUserToGroup", ("GroupName", group), ("UserName", "alice"))).Ok();
        }

        var response = (await Call("ListGroupsForUser", ("UserName", "alice"))).Ok();

        Assert.Equal(["devs", "ops"], response.Result!.Descendants().Where(e => e.Name.LocalName == "GroupName").Select(e => e.Value));
    }

    [Fact]
    public async Task ListGroups_FiltersByPathPrefix()
    {
        (await Call("CreateGroup", ("GroupName", "a"), ("Path", "/x/"))).Ok();
        (await Call("CreateGroup", ("GroupName", "b"), ("Path", "/y/"))).Ok();

        var response = (await Call("ListGroups", ("PathPrefix", "/y"))).Ok();

        Assert.Equal(["b"], response.Result!.Descendants().Where(e => e.Name.LocalName == "GroupName").Select(e => e.Value));
    }

    [Fact]
    public async Task DeleteGroup_WithMembers_IsDeleteConflictThenSucceedsWhenEmpty()
    {
        await CreateGroup("devs");
        await CreateUser("alice");
        (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();

        var message = (await Call("DeleteGroup", ("GroupName", "devs"))).Fails("DeleteConflict", 409);
        (await Call("RemoveUserFromGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();
        (await Call("DeleteGroup", ("GroupName", "devs"))).Ok();

        Assert.Equal("Cannot delete entity, must remove users from group first.", message);
        (await Call("GetGroup", ("GroupName", "devs"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task DeleteGroup_WithAttachedPolicy_IsDeleteConflict()
    {
        await CreateGroup("devs");
        (await Call("AttachGroupPolicy", ("GroupName", "devs"), ("PolicyArn", await CreatePolicy("P")))).Ok();

        var message = (await Call("DeleteGroup", ("GroupName", "devs"))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete entity, must detach all policies first.", message);
    }
}
