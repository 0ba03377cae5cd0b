namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class RoleHandlerTests : IamHandlerTestBase
{
    [Fact]
    public async Task CreateRole_ReturnsRoleWithUrlEncodedTrustPolicy()
    {
        var response = (await Call(
            "CreateRole",
            ("RoleName", "app"),
            ("Path", "/svc/"),
            ("AssumeRolePolicyDocument", Trust),
            ("Description", "the app"),
            ("MaxSessionDuration", "7200"))).Ok();

        var id = response.Value("Role/RoleId")!;
        Assert.Matches("^AROA[A-Z2-7]{17}$", id);
        Assert.Contains(
            $"<Role><Path>/svc/</Path><RoleName>app</RoleName><RoleId>{id}</RoleId><Arn>arn:aws:iam::123456789012:role/svc/app</Arn>"
            + "<CreateDate>2026-11-24T02:39:32.123Z</CreateDate><AssumeRolePolicyDocument>"
            + "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A"
            + "%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>"
            + "<Description>the app</Description><MaxSessionDuration>7200</MaxSessionDuration><RoleLastUsed /></Role>",
            response.Xml);
        Assert.Equal(Trust, Uri.UnescapeDataString(response.Value("Role/AssumeRolePolicyDocument")!));
    }

    [Fact]
    public async Task CreateRole_ParsedByBotocore_YieldsRole()
    {
        var response = (await Call("CreateRole", ("RoleName", "app"), ("AssumeRolePolicyDocument", Trust))).Ok();

        var role = IamHarness.ParseWithBotocore(response).GetProperty("Role");

        Assert.Equal("app", role.GetProperty("RoleName").GetString());
        Assert.Equal(3600, role.GetProperty("MaxSessionDuration").GetInt32());
        Assert.Contains("sts%3AAssumeRole", role.GetProperty("AssumeRolePolicyDocument").GetString());
    }

    [Theory]
    [InlineData("3599", "Member must have value greater than or equal to 3600")]
    [InlineData("43201", "Member must have value less than or equal to 43200")]
    public async Task CreateRole_MaxSessionDurationOutOfRange_IsValidationError(string seconds, string constraint)
    {
        var message = (await Call("CreateRole", ("RoleName", "app"), ("AssumeRolePolicyDocument", Trust), ("MaxSessionDuration", seconds)))
            .Fails("ValidationError", 400);

        Assert.Contains($"Value '{seconds}' at 'maxSessionDuration' failed to satisfy constraint: {constraint}", message);
    }

    [Fact]
    public async Task CreateRole_TrustPolicyWithoutPrincipal_IsMalformedPolicyDocument()
    {
        (await Call("CreateRole", ("RoleName", "app"), ("AssumeRolePolicyDocument", AllowS3))).Fails("MalformedPolicyDocument", 400);

        (await Call("GetRole", ("RoleName", "app"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task CreateRole_InvalidJson_IsMalformedPolicyDocument()
    {
        var message = (await Call("CreateRole", ("RoleName", "app"), ("AssumeRolePolicyDocument", "{not json"))).Fails("MalformedPolicyDocument", 400);

        Assert.StartsWith("Syntax errors in policy.", message);
    }

    [Fact]
    public async Task GetRole_Missing_IsNoSuchEntity()
    {
        var message = (await Call("GetRole", ("RoleName", "ghost"))).Fails("NoSuchEntity", 404);

        Assert.Equal("The role with name ghost cannot be found.", message);
    }

    [Fact]
    public async Task ListRoles_ListsWithoutTagsAndPages()
    {
        await CreateRole("b");
        await CreateRole("a");

        var first = (await Call("ListRoles", ("MaxItems", "1"))).Ok();
        var second = (await Call("ListRoles", ("Marker", first.Value("Marker")!))).Ok();

        Assert.Equal("a", first.Value("Roles/member/RoleName"));
        Assert.Null(first.Value("Roles/member/RoleLastUsed"));
        Assert.Equal("b", second.Value("Roles/member/RoleName"));
    }

    [Fact]
    public async Task UpdateRole_ChangesDescriptionAndMaxSession_ReturnsEmptyResult()
    {
        await CreateRole("app");

        var response = (await Call("UpdateRole", ("RoleName", "app"), ("Description", "new"), ("MaxSessionDuration", "43200"))).Ok();
        var role = (await Call("GetRole", ("RoleName", "app"))).Ok();

        Assert.Contains("<UpdateRoleResult />", response.Xml);
        Assert.Equal("new", role.Value("Role/Description"));
        Assert.Equal("43200", role.Value("Role/MaxSessionDuration"));
    }

    [Fact]
    public async Task UpdateAssumeRolePolicy_ReplacesTrustPolicy()
    {
        await CreateRole("app");
        var newTrust = Trust.Replace("ec2", "lambda", StringComparison.Ordinal);

        (await Call("UpdateAssumeRolePolicy", ("RoleName", "app"), ("PolicyDocument", newTrust))).Ok();

        Assert.Equal(newTrust, Uri.UnescapeDataString((await Call("GetRole", ("RoleName", "app"))).Value("Role/AssumeRolePolicyDocument")!));
    }

    [Fact]
    public async Task DeleteRole_WithInlinePolicy_IsDeleteConflict()
    {
        await CreateRole("app");
        (await Call("PutRolePolicy", ("RoleName", "app"), ("PolicyName", "p"), ("PolicyDocument", AllowS3))).Ok();

        var message = (await Call("DeleteRole", ("RoleName", "app"))).Fails("DeleteConflict", 409);
        (await Call("DeleteRolePolicy", ("RoleName", "app"), ("PolicyName", "p"))).Ok();
        (await Call("DeleteRole", ("RoleName", "app"))).Ok();

        Assert.Equal("Cannot delete entity, must delete policies first.", message);
        (await Call("GetRole", ("RoleName", "app"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task RolePermissionsBoundary_PutThenDelete()
    {
        await CreateRole("app");
        var boundary = await CreatePolicy("Boundary");

        (await Call("PutRolePermissionsBoundary", ("RoleName", "app"), ("PermissionsBoundary", boundary))).Ok();
        var withBoundary = (await Call("GetRole", ("RoleName", "app"))).Ok();
        (await Call("DeleteRolePermissionsBoundary", ("RoleName", "app"))).Ok();
        var without = (await Call("GetRole", ("RoleName", "app"))).Ok();

        Assert.Equal(boundary, withBoundary.Value("Role/PermissionsBoundary/PermissionsBoundaryArn"));
        Assert.Null(without.Value("Role/PermissionsBoundary"));
    }

    [Fact]
    public async Task PutRolePermissionsBoundary_NotAPolicy_IsNoSuchEntity()
    {
        await CreateRole("app");

        (await Call("PutRolePermissionsBoundary", ("RoleName", "app"), ("PermissionsBoundary", PolicyArn("Nope")))).Fails("NoSuchEntity", 404);
        (await Call("PutRolePermissionsBoundary", ("RoleName", "app"), ("PermissionsBoundary", "arn:aws:s3:::bucket/some-object"))).Fails("InvalidInput", 400);
    }
}
