using System.Net;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Actions.Simulation;

public sealed class SimulationTests
{
    private const string ReadDev = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"Read","Effect":"Allow","Action":"redshift:GetClusterCredentials","Resource":"*",
           "Condition":{"StringEquals":{"redshift:DbUser":"dev"}}},
          {"Sid":"NoDelete","Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}
        ]}
        """;

    [Fact]
    public async Task SimulateCustomPolicy_ReportsDecisionsMatchedStatementsAndMissingKeys()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("iam", "SimulateCustomPolicy",
        [
            new("PolicyInputList.member.1", ReadDev),
            new("ActionNames.member.1", "redshift:GetClusterCredentials"),
            new("ActionNames.member.2", "iam:DeleteUser"),
            new("ActionNames.member.3", "s3:GetObject"),
        ]);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var results = reply.All("EvaluationResults").Single().Elements().ToList();
        Assert.Equal(3, results.Count);
        Assert.Equal(["implicitDeny", "explicitDeny", "implicitDeny"], results.Select(r => r.Elements().Single(e => e.Name.LocalName == "EvalDecision").Value));
        Assert.Contains("redshift:DbUser", results[0].Descendants().Where(e => e.Name.LocalName == "MissingContextValues").Single().Value, StringComparison.Ordinal);
        var deny = results[1].Descendants().Where(e => e.Name.LocalName == "MatchedStatements").Single().Elements().Single();
        Assert.Equal("PolicyInputList.1", deny.Elements().Single(e => e.Name.LocalName == "SourcePolicyId").Value);
        Assert.Equal("none", deny.Elements().Single(e => e.Name.LocalName == "SourcePolicyType").Value);
        Assert.Equal("4", deny.Descendants().First(e => e.Name.LocalName == "Line").Value);
        Assert.Equal("false", reply.Find("IsTruncated"));
    }

    [Fact]
    public async Task SimulateCustomPolicy_ContextEntries_Allow()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("iam", "SimulateCustomPolicy",
        [
            new("PolicyInputList.member.1", ReadDev),
            new("ActionNames.member.1", "redshift:GetClusterCredentials"),
            new("ContextEntries.member.1.ContextKeyName", "redshift:DbUser"),
            new("ContextEntries.member.1.ContextKeyValues.member.1", "dev"),
            new("ContextEntries.member.1.ContextKeyType", "string"),
        ]);

        Assert.Equal("allowed", reply.Find("EvalDecision"));
    }

    [Fact]
    public async Task SimulateCustomPolicy_InvalidPolicyJson_IsInvalidInputNot500()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("iam", "SimulateCustomPolicy", [new("PolicyInputList.member.1", "{"), new("ActionNames.member.1", "s3:GetObject")]);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidInput", reply.ErrorCode);
    }

    [Fact]
    public async Task SimulateCustomPolicy_MissingActionNames_IsValidationError()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("iam", "SimulateCustomPolicy", [new("PolicyInputList.member.1", ReadDev)]);

        Assert.Equal("ValidationError", reply.ErrorCode);
    }

    [Fact]
    public async Task SimulateCustomPolicy_MaxItems_PagesWithMarker()
    {
        await using var broker = await TestBroker.StartAsync();
        List<KeyValuePair<string, string>> parameters =
        [
            new("PolicyInputList.member.1", ReadDev),
            new("ActionNames.member.1", "s3:GetObject"),
            new("ActionNames.member.2", "s3:PutObject"),
            new("ActionNames.member.3", "s3:ListBucket"),
            new("MaxItems", "2"),
        ];

        var first = await broker.CallAsync("iam", "SimulateCustomPolicy", parameters);
        var second = await broker.CallAsync("iam", "SimulateCustomPolicy", [.. parameters, new("Marker", first.Find("Marker")!)]);

        Assert.Equal("true", first.Find("IsTruncated"));
        Assert.Equal(2, first.All("EvalActionName").Count());
        Assert.Equal("s3:ListBucket", Assert.Single(second.All("EvalActionName")).Value);
        Assert.Equal("false", second.Find("IsTruncated"));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_StoredUserPolicies_NameTheirSource()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, _) = await StoreSeed.UserWithKeyAsync(broker, "alice", ReadDev);
        await StoreSeed.AttachManagedPolicyAsync(broker, user, "S3Read",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""");

        var reply = await broker.CallAsync("iam", "SimulatePrincipalPolicy",
        [
            new("PolicySourceArn", user.Arn),
            new("ActionNames.member.1", "s3:GetObject"),
            new("ActionNames.member.2", "iam:DeleteUser"),
        ]);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["allowed", "explicitDeny"], reply.All("EvalDecision").Select(e => e.Value));
        Assert.Equal(["S3Read", "inline0"], reply.All("SourcePolicyId").Select(e => e.Value));
        Assert.Equal(["user-managed", "user"], reply.All("SourcePolicyType").Select(e => e.Value));
    }

    [Fact]
    public async Task SimulatePrincipalPolicy_UnknownUser_IsNoSuchEntity404()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("iam", "SimulatePrincipalPolicy",
            [new("PolicySourceArn", $"arn:aws:iam::{broker.AccountId}:user/nobody"), new("ActionNames.member.1", "s3:GetObject")]);

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("NoSuchEntity", reply.ErrorCode);
    }

    [Fact]
    public async Task SimulateCustomPolicy_UserWithoutPermission_IsAccessDenied()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");

        var reply = await broker.CallAsync("iam", "SimulateCustomPolicy",
            [new("PolicyInputList.member.1", ReadDev), new("ActionNames.member.1", "s3:GetObject")], key);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal($"User: {user.Arn} is not authorized to perform: iam:SimulateCustomPolicy because no identity-based policy allows the iam:SimulateCustomPolicy action", reply.ErrorMessage);
    }

    [Fact]
    public async Task AwsCli_SimulateCustomPolicy_OutputParses()
    {
        await using var broker = await TestBroker.StartAsync();

        var result = (await broker.Cli().RunAsync(
            ["iam", "simulate-custom-policy", "--policy-input-list", ReadDev, "--action-names", "iam:DeleteUser", "s3:GetObject"],
            TestContext.Current.CancellationToken)).Json();

        var results = result.GetProperty("EvaluationResults").EnumerateArray().ToList();
        Assert.Equal("explicitDeny", results[0].GetProperty("EvalDecision").GetString());
        Assert.Equal("PolicyInputList.1", results[0].GetProperty("MatchedStatements")[0].GetProperty("SourcePolicyId").GetString());
        Assert.Equal(4, results[0].GetProperty("MatchedStatements")[0].GetProperty("StartPosition").GetProperty("Line").GetInt32());
        Assert.Equal("implicitDeny", results[1].GetProperty("EvalDecision").GetString());
    }
}
