namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class AttachmentHandlerTests : IamHandlerTestBase
{
    public static TheoryData<string, string> Principals => new() { { "User", "UserName" }, { "Group", "GroupName" }, { "Role", "RoleName" } };

    private async Task CreatePrincipal(string kind, string name)
    {
        switch (kind)
        {
            case "User": await CreateUser(name); break;
            case "Group": await CreateGroup(name); break;
            default: await CreateRole(name); break;
        }
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task AttachListDetach_RoundTrips(string kind, string nameParameter)
    {
        await CreatePrincipal(kind, "p1");
        var a = await CreatePolicy("A");
        var b = await CreatePolicy("B");

        (await Call($"Attach{kind}Policy", (nameParameter, "p1"), ("PolicyArn", b))).Ok();
        (await Call($"Attach{kind}Policy", (nameParameter, "p1"), ("PolicyArn", a))).Ok();
        (await Call($"Attach{kind}Policy", (nameParameter, "p1"), ("PolicyArn", a))).Ok();
        var listed = (await Call($"ListAttached{kind}Policies", (nameParameter, "p1"))).Ok();
        (await Call($"Detach{kind}Policy", (nameParameter, "p1"), ("PolicyArn", a))).Ok();
        var after = (await Call($"ListAttached{kind}Policies", (nameParameter, "p1"))).Ok();

        Assert.Contains(
            $"<AttachedPolicies><member><PolicyName>A</PolicyName><PolicyArn>{a}</PolicyArn></member>"
            + $"<member><PolicyName>B</PolicyName><PolicyArn>{b}</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>",
            listed.Xml);
        Assert.Equal(["B"], after.Result!.Descendants().Where(e => e.Name.LocalName == "PolicyName").Select(e => e.Value));
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Attach_MissingPolicy_IsNoSuchEntity(string kind, string nameParameter)
    {
        await CreatePrincipal(kind, "p1");

        var message = (await Call($"Attach{kind}Policy", (nameParameter, "p1"), ("PolicyArn", PolicyArn("Nope")))).Fails("NoSuchEntity", 404);

        Assert.Equal($"Policy {PolicyArn("Nope")} does not exist or is not attachable.", message);
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Attach_MissingPrincipal_IsNoSuchEntity(string kind, string nameParameter)
    {
        var arn = await CreatePolicy("A");

        var message = (await Call($"Attach{kind}Policy", (nameParameter, "ghost"), ("PolicyArn", arn))).Fails("NoSuchEntity", 404);

        Assert.Equal($"The {kind.ToLowerInvariant()} with name ghost cannot be found.", message);
    }

    [Fact]
    public async Task Detach_NotAttached_IsNoSuchEntity()
    {
        await CreateUser("alice");
        var arn = await CreatePolicy("A");

        (await Call("DetachUserPolicy", ("UserName", "alice"), ("PolicyArn", arn))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task Attach_EleventhPolicy_IsLimitExceeded()
    {
        await CreateUser("alice");
        for (var i = 0; i < 10; i++)
        {
            (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", await CreatePolicy($"P{i}")))).Ok();
        }

        var message = (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", await CreatePolicy("P10")))).Fails("LimitExceeded", 409);

        Assert.Equal("Cannot exceed quota for PoliciesPerUser: 10.", message);
    }

    [Fact]
    public async Task ListEntitiesForPolicy_ListsEachKindAndFilters()
    {
        var arn = await CreatePolicy("A");
        await CreateUser("alice");
        await CreateGroup("devs");
        await CreateRole("app");
        (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", arn))).Ok();
        (await Call("AttachGroupPolicy", ("GroupName", "devs"), ("PolicyArn", arn))).Ok();
        (await Call("AttachRolePolicy", ("RoleName", "app"), ("PolicyArn", arn))).Ok();

        var all = (await Call("ListEntitiesForPolicy", ("PolicyArn", arn))).Ok();
        var roles = (await Call("ListEntitiesForPolicy", ("PolicyArn", arn), ("EntityFilter", "Role"))).Ok();
        var parsed = IamHarness.ParseWithBotocore(all);

        Assert.Equal("alice", all.Value("PolicyUsers/member/UserName"));
        Assert.Equal("devs", all.Value("PolicyGroups/member/GroupName"));
        Assert.Equal("app", all.Value("PolicyRoles/member/RoleName"));
        Assert.StartsWith("AROA", all.Value("PolicyRoles/member/RoleId"));
        Assert.Empty(roles.Values("PolicyUsers/member"));
        Assert.Single(roles.Values("PolicyRoles/member"));
        Assert.Equal("alice", parsed.GetProperty("PolicyUsers")[0].GetProperty("UserName").GetString());
    }

    [Fact]
    public async Task ListEntitiesForPolicy_BoundaryUsage_ListsBoundedPrincipals()
    {
        var arn = await CreatePolicy("Boundary");
        await CreateUser("alice");
        (await Call("PutUserPermissionsBoundary", ("UserName", "alice"), ("PermissionsBoundary", arn))).Ok();

        var response = (await Call("ListEntitiesForPolicy", ("PolicyArn", arn), ("PolicyUsageFilter", "PermissionsBoundary"))).Ok();

        Assert.Equal("alice", response.Value("PolicyUsers/member/UserName"));
    }

    [Fact]
    public async Task UserPermissionsBoundary_PutThenDelete()
    {
        await CreateUser("alice");
        var arn = await CreatePolicy("Boundary");

        (await Call("PutUserPermissionsBoundary", ("UserName", "alice"), ("PermissionsBoundary", arn))).Ok();
        (await Call("DeleteUserPermissionsBoundary", ("UserName", "alice"))).Ok();

        Assert.Null((await Call("GetUser", ("UserName", "alice"))).Value("User/PermissionsBoundary"));
    }

    [Fact]
    public async Task UserNameTypes_FollowTheModel_AttachIsUpTo64AndPutUserPolicyUpTo128()
    {
        var name = new string('a', 65);

        var attach = (await Call("AttachUserPolicy", ("UserName", name), ("PolicyArn", PolicyArn("P")))).Fails("ValidationError", 400);
        (await Call("PutUserPolicy", ("UserName", name), ("PolicyName", "p"), ("PolicyDocument", AllowS3))).Fails("NoSuchEntity", 404);

        Assert.Contains("at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64", attach);
    }

    [Fact]
    public async Task ListEntitiesForPolicy_PagesAcrossKinds()
    {
        var arn = await CreatePolicy("A");
        foreach (var name in new[] { "u1", "u2" })
        {
            await CreateUser(name);
            (await Call("AttachUserPolicy", ("UserName", name), ("PolicyArn", arn))).Ok();
        }

        await CreateRole("r1");
        (await Call("AttachRolePolicy", ("RoleName", "r1"), ("PolicyArn", arn))).Ok();

        var first = (await Call("ListEntitiesForPolicy", ("PolicyArn", arn), ("MaxItems", "2"))).Ok();
        var second = (await Call("ListEntitiesForPolicy", ("PolicyArn", arn), ("MaxItems", "2"), ("Marker", first.Value("Marker")!))).Ok();

        Assert.Equal("true", first.Value("IsTruncated"));
        Assert.Equal(3, first.Values("PolicyUsers/member").Count + first.Values("PolicyRoles/member").Count
            + second.Values("PolicyUsers/member").Count + second.Values("PolicyRoles/member").Count);
        Assert.Equal("false", second.Value("IsTruncated"));
    }
}
