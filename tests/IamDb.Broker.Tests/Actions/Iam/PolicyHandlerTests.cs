namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class PolicyHandlerTests : IamHandlerTestBase
{
    [Fact]
    public async Task CreatePolicy_ReturnsAwsPolicyShape()
    {
        var response = (await Call("CreatePolicy", ("PolicyName", "ReadS3"), ("Path", "/data/"), ("PolicyDocument", AllowS3), ("Description", "reads"))).Ok();

        var id = response.Value("Policy/PolicyId")!;
        Assert.Matches("^ANPA[A-Z2-7]{17}$", id);
        Assert.Contains(
            $"<Policy><PolicyName>ReadS3</PolicyName><PolicyId>{id}</PolicyId><Arn>arn:aws:iam::123456789012:policy/data/ReadS3</Arn>"
            + "<Path>/data/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>0</AttachmentCount>"
            + "<PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable><Description>reads</Description>"
            + "<CreateDate>2026-11-24T02:39:32.123Z</CreateDate><UpdateDate>2026-11-24T02:39:32.123Z</UpdateDate></Policy>",
            response.Xml);
    }

    [Fact]
    public async Task CreatePolicy_ParsedByBotocore_YieldsPolicy()
    {
        var policy = IamHarness.ParseWithBotocore((await Call("CreatePolicy", ("PolicyName", "P"), ("PolicyDocument", AllowS3))).Ok()).GetProperty("Policy");

        Assert.Equal("P", policy.GetProperty("PolicyName").GetString());
        Assert.True(policy.GetProperty("IsAttachable").GetBoolean());
        Assert.Equal(0, policy.GetProperty("AttachmentCount").GetInt32());
    }

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}""")]
    [InlineData("[]")]
    public async Task CreatePolicy_InvalidDocument_IsMalformedPolicyDocumentAndCreatesNothing(string document)
    {
        var message = (await Call("CreatePolicy", ("PolicyName", "P"), ("PolicyDocument", document))).Fails("MalformedPolicyDocument", 400);

        Assert.NotEmpty(message);
        (await Call("GetPolicy", ("PolicyArn", PolicyArn("P")))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task CreatePolicy_OverSizeLimit_IsLimitExceeded()
    {
        var actions = string.Join(",", Enumerable.Range(0, 400).Select(i => $"\"s3:GetObject{i}\""));
        var document = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[{{actions}}],"Resource":"*"}]}""";

        var message = (await Call("CreatePolicy", ("PolicyName", "Big"), ("PolicyDocument", document))).Fails("LimitExceeded", 409);

        Assert.Equal("Cannot exceed quota for PolicySize: 6144", message);
    }

    [Fact]
    public async Task CreatePolicy_Duplicate_IsEntityAlreadyExists()
    {
        await CreatePolicy("P");

        var message = (await Call("CreatePolicy", ("PolicyName", "p"), ("PolicyDocument", AllowS3))).Fails("EntityAlreadyExists", 409);

        Assert.Equal("A policy called p already exists. Duplicate names are not allowed.", message);
    }

    [Fact]
    public async Task GetPolicy_Missing_IsNoSuchEntity_AndBadArnIsInvalidInput()
    {
        var message = (await Call("GetPolicy", ("PolicyArn", PolicyArn("Nope")))).Fails("NoSuchEntity", 404);
        var invalid = (await Call("GetPolicy", ("PolicyArn", "arn:aws:iam::123456789012:user/alice"))).Fails("InvalidInput", 400);

        Assert.Equal($"Policy {PolicyArn("Nope")} was not found.", message);
        Assert.Equal("ARN arn:aws:iam::123456789012:user/alice is not valid.", invalid);
    }

    [Fact]
    public async Task GetPolicy_CountsAttachmentsAndBoundaryUses()
    {
        var arn = await CreatePolicy("P");
        await CreateUser("alice");
        await CreateRole("app");
        (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", arn))).Ok();
        (await Call("PutRolePermissionsBoundary", ("RoleName", "app"), ("PermissionsBoundary", arn))).Ok();

        var response = (await Call("GetPolicy", ("PolicyArn", arn))).Ok();

        Assert.Equal("1", response.Value("Policy/AttachmentCount"));
        Assert.Equal("1", response.Value("Policy/PermissionsBoundaryUsageCount"));
    }

    [Fact]
    public async Task ListPolicies_ScopesAndOnlyAttached()
    {
        var attached = await CreatePolicy("Attached");
        await CreatePolicy("Loose");
        await CreateUser("alice");
        (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", attached))).Ok();

        var all = (await Call("ListPolicies", ("Scope", "Local"))).Ok();
        var onlyAttached = (await Call("ListPolicies", ("OnlyAttached", "true"))).Ok();
        var aws = (await Call("ListPolicies", ("Scope", "AWS"))).Ok();

        Assert.Equal(["Attached", "Loose"], Names(all));
        Assert.Equal(["Attached"], Names(onlyAttached));
        Assert.Empty(Names(aws));
        Assert.Equal("false", aws.Value("IsTruncated"));
    }

    [Fact]
    public async Task ListPolicies_PolicyUsageFilter_SeparatesPermissionsAndBoundaries()
    {
        var permission = await CreatePolicy("Permission");
        var boundary = await CreatePolicy("Boundary");
        await CreateUser("alice");
        (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", permission))).Ok();
        (await Call("PutUserPermissionsBoundary", ("UserName", "alice"), ("PermissionsBoundary", boundary))).Ok();

        var permissions = (await Call("ListPolicies", ("PolicyUsageFilter", "PermissionsPolicy"))).Ok();
        var boundaries = (await Call("ListPolicies", ("PolicyUsageFilter", "PermissionsBoundary"))).Ok();

        Assert.Equal(["Permission"], Names(permissions));
        Assert.Equal(["Boundary"], Names(boundaries));
        Assert.Equal("1", boundaries.Value("Policies/member/PermissionsBoundaryUsageCount"));
    }

    [Fact]
    public async Task ListPolicies_BadScope_IsValidationError()
    {
        var message = (await Call("ListPolicies", ("Scope", "Mine"))).Fails("ValidationError", 400);

        Assert.Contains("Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", message);
    }

    [Fact]
    public async Task ListPolicies_PathPrefixAndPaging()
    {
        (await Call("CreatePolicy", ("PolicyName", "A"), ("Path", "/x/"), ("PolicyDocument", AllowS3))).Ok();
        (await Call("CreatePolicy", ("PolicyName", "B"), ("Path", "/x/"), ("PolicyDocument", AllowS3))).Ok();
        (await Call("CreatePolicy", ("PolicyName", "C"), ("Path", "/y/"), ("PolicyDocument", AllowS3))).Ok();

        var first = (await Call("ListPolicies", ("PathPrefix", "/x/"), ("MaxItems", "1"))).Ok();
        var second = (await Call("ListPolicies", ("PathPrefix", "/x/"), ("MaxItems", "1"), ("Marker", first.Value("Marker")!))).Ok();

        Assert.Equal(["A"], Names(first));
        Assert.Equal(["B"], Names(second));
        Assert.Equal("false", second.Value("IsTruncated"));
    }

    [Fact]
    public async Task PolicyVersions_CreateSetDefaultListGetDelete()
    {
        var arn = await CreatePolicy("P");

        var created = (await Call("CreatePolicyVersion", ("PolicyArn", arn), ("PolicyDocument", AllowEc2), ("SetAsDefault", "true"))).Ok();
        var listed = (await Call("ListPolicyVersions", ("PolicyArn", arn))).Ok();
        var v2 = (await Call("GetPolicyVersion", ("PolicyArn", arn), ("VersionId", "v2"))).Ok();
        (await Call("SetDefaultPolicyVersion", ("PolicyArn", arn), ("VersionId", "v1"))).Ok();
        (await Call("DeletePolicyVersion", ("PolicyArn", arn), ("VersionId", "v2"))).Ok();
        var policy = (await Call("GetPolicy", ("PolicyArn", arn))).Ok();

        Assert.Contains(
            "<CreatePolicyVersionResult><PolicyVersion><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion>"
            + "<CreateDate>2026-11-24T02:39:32.123Z</CreateDate></PolicyVersion></CreatePolicyVersionResult>",
            created.Xml);
        Assert.Equal(["v2", "v1"], listed.Result!.Descendants().Where(e => e.Name.LocalName == "VersionId").Select(e => e.Value));
        Assert.Null(listed.Value("Versions/member/Document"));
        Assert.Equal(
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ec2%3A%2A%22%2C"
            + "%22Resource%22%3A%22%2A%22%7D%5D%7D",
            v2.Value("PolicyVersion/Document"));
        Assert.Equal("true", v2.Value("PolicyVersion/IsDefaultVersion"));
        Assert.Equal("v1", policy.Value("Policy/DefaultVersionId"));
        (await Call("GetPolicyVersion", ("PolicyArn", arn), ("VersionId", "v2"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task GetPolicyVersion_ParsedByBotocore_YieldsUrlEncodedDocumentThatDecodesToTheOriginal()
    {
        var arn = await CreatePolicy("P", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}\n}");

        var parsed = IamHarness.ParseWithBotocore((await Call("GetPolicyVersion", ("PolicyArn", arn), ("VersionId", "v1"))).Ok());

        var document = parsed.GetProperty("PolicyVersion").GetProperty("Document").GetString()!;
        Assert.StartsWith("%7B%0A%20%20%22Version%22", document);
        Assert.Equal("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}\n}", Uri.UnescapeDataString(document));
    }

    [Fact]
    public async Task CreatePolicyVersion_SixthVersion_IsLimitExceeded()
    {
        var arn = await CreatePolicy("P");
        for (var i = 2; i <= 5; i++)
        {
            (await Call("CreatePolicyVersion", ("PolicyArn", arn), ("PolicyDocument", AllowEc2))).Ok();
        }

        var message = (await Call("CreatePolicyVersion", ("PolicyArn", arn), ("PolicyDocument", AllowEc2))).Fails("LimitExceeded", 409);

        Assert.Equal("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.", message);
        Assert.Equal(5, (await Call("ListPolicyVersions", ("PolicyArn", arn))).Values("Versions/member").Count);
    }

    [Fact]
    public async Task DeletePolicyVersion_Default_IsDeleteConflict()
    {
        var arn = await CreatePolicy("P");

        var message = (await Call("DeletePolicyVersion", ("PolicyArn", arn), ("VersionId", "v1"))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete the default version of a policy.", message);
    }

    [Fact]
    public async Task SetDefaultPolicyVersion_MissingVersion_IsNoSuchEntity()
    {
        var arn = await CreatePolicy("P");

        var message = (await Call("SetDefaultPolicyVersion", ("PolicyArn", arn), ("VersionId", "v7"))).Fails("NoSuchEntity", 404);

        Assert.Equal($"Policy {arn} version v7 does not exist or is not attachable.", message);
    }

    [Fact]
    public async Task GetPolicyVersion_BadVersionId_IsValidationError()
    {
        var arn = await CreatePolicy("P");

        (await Call("GetPolicyVersion", ("PolicyArn", arn), ("VersionId", "1"))).Fails("ValidationError", 400);
    }

    [Fact]
    public async Task DeletePolicy_Attached_IsDeleteConflict()
    {
        var arn = await CreatePolicy("P");
        await CreateRole("app");
        (await Call("AttachRolePolicy", ("RoleName", "app"), ("PolicyArn", arn))).Ok();

        var message = (await Call("DeletePolicy", ("PolicyArn", arn))).Fails("DeleteConflict", 409);

        Assert.Equal("Cannot delete a policy attached to entities.", message);
    }

    [Fact]
    public async Task DeletePolicy_WithNonDefaultVersions_IsDeleteConflictThenDeletes()
    {
        var arn = await CreatePolicy("P");
        (await Call("CreatePolicyVersion", ("PolicyArn", arn), ("PolicyDocument", AllowEc2))).Ok();

        (await Call("DeletePolicy", ("PolicyArn", arn))).Fails("DeleteConflict", 409);
        (await Call("DeletePolicyVersion", ("PolicyArn", arn), ("VersionId", "v2"))).Ok();
        (await Call("DeletePolicy", ("PolicyArn", arn))).Ok();

        (await Call("GetPolicy", ("PolicyArn", arn))).Fails("NoSuchEntity", 404);
    }

    private static IReadOnlyList<string> Names(IamResponse response) =>
        [.. response.Result!.Descendants().Where(e => e.Name.LocalName == "PolicyName").Select(e => e.Value)];
}
