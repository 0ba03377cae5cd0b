using System.Text;

namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class ReportHandlerTests : IamHandlerTestBase
{
    [Fact]
    public async Task GetCredentialReport_BeforeGenerating_IsReportNotPresent()
    {
        (await Call("GetCredentialReport")).Fails("ReportNotPresent", 410);
    }

    [Fact]
    public async Task GenerateCredentialReport_StartedThenComplete_ThenExpiresAfterFourHours()
    {
        var first = (await Call("GenerateCredentialReport")).Ok();
        var second = (await Call("GenerateCredentialReport")).Ok();
        Iam.Time.Advance(TimeSpan.FromHours(4));
        (await Call("GetCredentialReport")).Fails("ReportExpired", 410);
        var third = (await Call("GenerateCredentialReport")).Ok();

        Assert.Contains(
            "<GenerateCredentialReportResult><State>STARTED</State><Description>No report exists. Starting a new report generation task</Description>",
            first.Xml);
        Assert.Contains("<GenerateCredentialReportResult><State>COMPLETE</State></GenerateCredentialReportResult>", second.Xml);
        Assert.Equal("STARTED", third.Value("State"));
        Assert.Equal("2026-11-24T06:39:32.123Z", (await Call("GetCredentialReport")).Ok().Value("GeneratedTime"));
    }

    [Fact]
    public async Task GetCredentialReport_CsvHasAwsColumnsRootRowAndKeyDates()
    {
        await CreateUser("alice");
        Iam.Time.Advance(TimeSpan.FromMinutes(5));
        var key1 = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;
        Iam.Time.Advance(TimeSpan.FromMinutes(5));
        var key2 = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;
        (await Call("UpdateAccessKey", ("UserName", "alice"), ("AccessKeyId", key2), ("Status", "Inactive"))).Ok();
        await Iam.Store.WriteAsync(
            (w, c) => w.AccessKeys.RecordUseAsync(key1, IamHarness.Start.AddHours(1), "iam", "us-east-1", c), TestContext.Current.CancellationToken);
        await CreateUser("bob");
        (await Call("GenerateCredentialReport")).Ok();

        var response = (await Call("GetCredentialReport")).Ok();
        var parsed = IamHarness.ParseWithBotocore(response);
        var csv = Encoding.UTF8.GetString(Convert.FromBase64String(response.Value("Content")!));
        var lines = csv.TrimEnd('\n').Split('\n');

        Assert.Equal("text/csv", response.Value("ReportFormat"));
        Assert.Equal(
            "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,"
            + "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
            + "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,"
            + "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated",
            lines[0]);
        Assert.Equal(
            "<root_account>,arn:aws:iam::123456789012:root,N/A,not_supported,N/A,not_supported,not_supported,false,"
            + "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            lines[1]);
        Assert.Equal(
            "alice,arn:aws:iam::123456789012:user/alice,2026-11-24T02:39:32+00:00,false,N/A,N/A,N/A,false,"
            + "true,2026-11-24T02:44:32+00:00,2026-11-24T03:39:32+00:00,us-east-1,iam,"
            + "false,2026-11-24T02:49:32+00:00,N/A,N/A,N/A,false,N/A,false,N/A",
            lines[2]);
        Assert.StartsWith("bob,arn:aws:iam::123456789012:user/bob,", lines[3]);
        Assert.Equal(22, lines[3].Split(',').Length);
        Assert.Equal("text/csv", parsed.GetProperty("ReportFormat").GetString());
        Assert.Equal(csv, Encoding.UTF8.GetString(Convert.FromBase64String(parsed.GetProperty("Content").GetString()!)));
    }

    [Fact]
    public async Task GetAccountAuthorizationDetails_ListsEntitiesWithTheirPolicies()
    {
        var arn = await CreatePolicy("P");
        (await Call("CreatePolicyVersion", ("PolicyArn", arn), ("PolicyDocument", AllowEc2), ("SetAsDefault", "true"))).Ok();
        await CreateUser("alice");
        await CreateGroup("devs");
        await CreateRole("app");
        (await Call("AddUserToGroup", ("GroupName", "devs"), ("UserName", "alice"))).Ok();
        (await Call("AttachUserPolicy", ("UserName", "alice"), ("PolicyArn", arn))).Ok();
        (await Call("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "inline"), ("PolicyDocument", AllowS3))).Ok();
        (await Call("PutGroupPolicy", ("GroupName", "devs"), ("PolicyName", "g"), ("PolicyDocument", AllowS3))).Ok();
        (await Call("AttachRolePolicy", ("RoleName", "app"), ("PolicyArn", arn))).Ok();

        var response = (await Call("GetAccountAuthorizationDetails")).Ok();
        var parsed = IamHarness.ParseWithBotocore(response);

        var user = parsed.GetProperty("UserDetailList")[0];
        Assert.Equal("alice", user.GetProperty("UserName").GetString());
        Assert.Equal("devs", user.GetProperty("GroupList")[0].GetString());
        Assert.Equal("inline", user.GetProperty("UserPolicyList")[0].GetProperty("PolicyName").GetString());
        Assert.Equal(AllowS3, Uri.UnescapeDataString(user.GetProperty("UserPolicyList")[0].GetProperty("PolicyDocument").GetString()!));
        Assert.Equal(arn, user.GetProperty("AttachedManagedPolicies")[0].GetProperty("PolicyArn").GetString());
        Assert.Equal("g", parsed.GetProperty("GroupDetailList")[0].GetProperty("GroupPolicyList")[0].GetProperty("PolicyName").GetString());
        var role = parsed.GetProperty("RoleDetailList")[0];
        Assert.Equal(Trust, Uri.UnescapeDataString(role.GetProperty("AssumeRolePolicyDocument").GetString()!));
        Assert.Equal(0, role.GetProperty("InstanceProfileList").GetArrayLength());
        var policy = parsed.GetProperty("Policies")[0];
        Assert.Equal(2, policy.GetProperty("AttachmentCount").GetInt32());
        Assert.Equal("v2", policy.GetProperty("DefaultVersionId").GetString());
        Assert.Equal(2, policy.GetProperty("PolicyVersionList").GetArrayLength());
        Assert.Equal(AllowEc2, Uri.UnescapeDataString(policy.GetProperty("PolicyVersionList")[0].GetProperty("Document").GetString()!));
        Assert.False(parsed.GetProperty("IsTruncated").GetBoolean());
    }

    [Fact]
    public async Task GetAccountAuthorizationDetails_FilterAndPaging()
    {
        await CreateUser("a");
        await CreateUser("b");
        await CreateRole("r");
        await CreatePolicy("P");

        var roles = (await Call("GetAccountAuthorizationDetails", ("Filter.member.1", "Role"))).Ok();
        var first = (await Call("GetAccountAuthorizationDetails", ("MaxItems", "3"))).Ok();
        var second = (await Call("GetAccountAuthorizationDetails", ("MaxItems", "3"), ("Marker", first.Value("Marker")!))).Ok();
        var bad = (await Call("GetAccountAuthorizationDetails", ("Filter.member.1", "Robot"))).Fails("ValidationError", 400);

        Assert.Empty(roles.Values("UserDetailList/member"));
        Assert.Single(roles.Values("RoleDetailList/member"));
        Assert.Empty(roles.Values("Policies/member"));
        Assert.Equal(2, first.Values("UserDetailList/member").Count);
        Assert.Single(first.Values("RoleDetailList/member"));
        Assert.Equal("true", first.Value("IsTruncated"));
        Assert.Single(second.Values("Policies/member"));
        Assert.Equal("false", second.Value("IsTruncated"));
        Assert.Contains("Value 'Robot' at 'filter.1.member'", bad);
    }
}
