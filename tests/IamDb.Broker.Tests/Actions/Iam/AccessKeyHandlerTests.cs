using IamDb.Broker.Requests;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class AccessKeyHandlerTests : IamHandlerTestBase
{
    [Fact]
    public async Task CreateAccessKey_ForUser_ReturnsKeyWithSecretAndStoresIt()
    {
        await CreateUser("alice");

        var response = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok();

        var keyId = response.Value("AccessKey/AccessKeyId")!;
        var secret = response.Value("AccessKey/SecretAccessKey")!;
        Assert.Matches("^AKIA[A-Z2-7]{16}$", keyId);
        Assert.Matches("^[A-Za-z0-9+/]{40}$", secret);
        Assert.Contains(
            $"<AccessKey><UserName>alice</UserName><AccessKeyId>{keyId}</AccessKeyId><Status>Active</Status><SecretAccessKey>{secret}</SecretAccessKey>"
            + "<CreateDate>2026-11-24T02:39:32.123Z</CreateDate></AccessKey>",
            response.Xml);
        var stored = await Iam.Store.ReadAsync((r, c) => r.AccessKeys.GetAsync(keyId, c), TestContext.Current.CancellationToken);
        Assert.True(stored!.SecretAccessKey.Reveal() == secret, "the stored secret differs from the returned one");
    }

    [Fact]
    public async Task CreateAccessKey_AuditHasNoSecret()
    {
        await CreateUser("alice");

        var response = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok();

        Assert.DoesNotContain(response.Value("AccessKey/SecretAccessKey")!, string.Join(",", Iam.LastOutcome!.ResponseElements.Values));
        Assert.Equal(response.Value("AccessKey/AccessKeyId"), Iam.LastOutcome.ResponseElements["accessKeyId"]);
    }

    [Fact]
    public async Task CreateAccessKey_ParsedByBotocore_YieldsAccessKey()
    {
        await CreateUser("alice");

        var key = IamHarness.ParseWithBotocore((await Call("CreateAccessKey", ("UserName", "alice"))).Ok()).GetProperty("AccessKey");

        Assert.Equal("alice", key.GetProperty("UserName").GetString());
        Assert.Equal("Active", key.GetProperty("Status").GetString());
        Assert.Equal(40, key.GetProperty("SecretAccessKey").GetString()!.Length);
    }

    [Fact]
    public async Task CreateAccessKey_RootWithoutUserName_CreatesRootKey()
    {
        var response = (await Call("CreateAccessKey")).Ok();

        Assert.Null(response.Value("AccessKey/UserName"));
        var rootKeys = await Iam.Store.ReadAsync((r, c) => r.AccessKeys.ListAsync(Account, null, c), TestContext.Current.CancellationToken);
        Assert.Equal(response.Value("AccessKey/AccessKeyId"), Assert.Single(rootKeys).AccessKeyId);
        Assert.Equal([("iam:CreateAccessKey", IamHarness.RootArn)], response.Authorizations);
    }

    [Fact]
    public async Task CreateAccessKey_UserCallerWithoutUserName_CreatesKeyForThemselves()
    {
        await CreateUser("bob");
        Iam.Caller = IamHarness.UserCaller("bob");

        var response = (await Call("CreateAccessKey")).Ok();

        Assert.Equal("bob", response.Value("AccessKey/UserName"));
    }

    [Fact]
    public async Task CreateAccessKey_ThirdKey_IsLimitExceeded()
    {
        await CreateUser("alice");
        (await Call("CreateAccessKey", ("UserName", "alice"))).Ok();
        (await Call("CreateAccessKey", ("UserName", "alice"))).Ok();

        var message = (await Call("CreateAccessKey", ("UserName", "alice"))).Fails("LimitExceeded", 409);

        Assert.Equal("Cannot exceed quota for AccessKeysPerUser: 2.", message);
    }

    [Fact]
    public async Task CreateAccessKey_MissingUser_IsNoSuchEntity()
    {
        (await Call("CreateAccessKey", ("UserName", "ghost"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task ListAccessKeys_ShowsMetadataWithoutSecrets()
    {
        await CreateUser("alice");
        var created = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok();

        var response = (await Call("ListAccessKeys", ("UserName", "alice"))).Ok();

        Assert.Contains(
            $"<AccessKeyMetadata><member><UserName>alice</UserName><AccessKeyId>{created.Value("AccessKey/AccessKeyId")}</AccessKeyId>"
            + "<Status>Active</Status><CreateDate>2026-11-24T02:39:32.123Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated>",
            response.Xml);
        Assert.DoesNotContain(created.Value("AccessKey/SecretAccessKey")!, response.Xml);
    }

    [Fact]
    public async Task UpdateAccessKey_SetsStatus_AndRejectsUnknownStatus()
    {
        await CreateUser("alice");
        var keyId = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;

        (await Call("UpdateAccessKey", ("UserName", "alice"), ("AccessKeyId", keyId), ("Status", "Inactive"))).Ok();
        var listed = (await Call("ListAccessKeys", ("UserName", "alice"))).Ok();
        var bad = (await Call("UpdateAccessKey", ("UserName", "alice"), ("AccessKeyId", keyId), ("Status", "Paused"))).Fails("ValidationError", 400);

        Assert.Equal("Inactive", listed.Value("AccessKeyMetadata/member/Status"));
        Assert.Contains("Member must satisfy enum value set: [Active, Inactive]", bad);
    }

    [Fact]
    public async Task UpdateAccessKey_KeyOfAnotherUser_IsNoSuchEntity()
    {
        await CreateUser("alice");
        await CreateUser("bob");
        var keyId = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;

        var message = (await Call("UpdateAccessKey", ("UserName", "bob"), ("AccessKeyId", keyId), ("Status", "Inactive"))).Fails("NoSuchEntity", 404);

        Assert.Equal($"The Access Key with id {keyId} cannot be found.", message);
    }

    [Fact]
    public async Task DeleteAccessKey_RemovesKeySoUserCanBeDeleted()
    {
        await CreateUser("alice");
        var keyId = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;

        (await Call("DeleteAccessKey", ("UserName", "alice"), ("AccessKeyId", keyId))).Ok();
        (await Call("DeleteUser", ("UserName", "alice"))).Ok();

        (await Call("DeleteAccessKey", ("AccessKeyId", keyId))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task GetAccessKeyLastUsed_NeverUsed_IsNA_ThenReportsUse()
    {
        await CreateUser("alice");
        var keyId = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;

        var unused = (await Call("GetAccessKeyLastUsed", ("AccessKeyId", keyId))).Ok();
        await Iam.Store.WriteAsync(
            (w, c) => w.AccessKeys.RecordUseAsync(keyId, IamHarness.Start.AddHours(1), "sts", "eu-west-1", c), TestContext.Current.CancellationToken);
        var used = (await Call("GetAccessKeyLastUsed", ("AccessKeyId", keyId))).Ok();

        Assert.Contains(
            "<GetAccessKeyLastUsedResult><UserName>alice</UserName><AccessKeyLastUsed><ServiceName>N/A</ServiceName><Region>N/A</Region>"
            + "</AccessKeyLastUsed></GetAccessKeyLastUsedResult>",
            unused.Xml);
        Assert.Equal("2026-11-24T03:39:32.123Z", used.Value("AccessKeyLastUsed/LastUsedDate"));
        Assert.Equal("sts", used.Value("AccessKeyLastUsed/ServiceName"));
        Assert.Equal("eu-west-1", used.Value("AccessKeyLastUsed/Region"));
        Assert.Equal([("iam:GetAccessKeyLastUsed", "arn:aws:iam::123456789012:user/alice")], used.Authorizations);
    }

    [Fact]
    public async Task GetAccessKeyLastUsed_UnknownKey_IsNoSuchEntity()
    {
        (await Call("GetAccessKeyLastUsed", ("AccessKeyId", "AKIANOSUCHKEYEXAMPLE"))).Fails("NoSuchEntity", 404);
    }

    [Fact]
    public async Task AccessKeyStatus_IsStoredAsInactive()
    {
        await CreateUser("alice");
        var keyId = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;

        (await Call("UpdateAccessKey", ("UserName", "alice"), ("AccessKeyId", keyId), ("Status", "Inactive"))).Ok();

        var key = await Iam.Store.ReadAsync((r, c) => r.AccessKeys.GetAsync(keyId, c), TestContext.Current.CancellationToken);
        Assert.Equal(AccessKeyStatus.Inactive, key!.Status);
    }

    [Fact]
    public async Task CreateAccessKey_RoleSessionWithoutUserName_IsValidationError()
    {
        Iam.Caller = IamHarness.RootCaller with
        {
            Kind = IamDb.Broker.Requests.CallerKind.AssumedRole,
            Arn = "arn:aws:sts::123456789012:assumed-role/app/s1",
            RoleName = "app",
            SessionName = "s1",
            PrincipalEntityArn = "arn:aws:iam::123456789012:role/app",
        };

        var message = (await Call("CreateAccessKey")).Fails("ValidationError", 400);

        Assert.Equal("Must specify userName when calling with non-User credentials", message);
    }
}
