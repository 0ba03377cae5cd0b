using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Pipeline;

/// <summary>
/// The IAM half of the product's story, end to end over HTTP with Debian's aws CLI v2 and with boto3: a platform team
/// creates a policy, a group, a user and its key; the user signs in; a role is created and assumed; the simulator explains.
/// </summary>
public sealed class IamStoryCompatibilityTests
{
    private const string RedshiftPolicy = """
        {"Version":"2012-10-17","Statement":[
          {"Sid":"Creds","Effect":"Allow","Action":["redshift:GetClusterCredentials","redshift:CreateClusterUser","redshift:JoinGroup"],
           "Resource":["arn:aws:redshift:us-east-1:*:dbuser:clustera/${aws:username}","arn:aws:redshift:us-east-1:*:dbname:clustera/dba"]},
          {"Sid":"Describe","Effect":"Allow","Action":"redshift:DescribeClusters","Resource":"*"},
          {"Sid":"WhoAmI","Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}
        """;

    [Fact]
    public async Task AwsCli_PlatformTeamStory_EveryStepParsesAsAws()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await TestBroker.StartAsync();
        var admin = broker.Cli();
        var policyFile = Path.Combine(Path.GetTempPath(), $"iamdb-policy-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(policyFile, RedshiftPolicy, ct);
        try
        {
            var policy = (await admin.RunAsync(["iam", "create-policy", "--policy-name", "redshift-temp-creds", "--policy-document", "file://" + policyFile], ct)).Json();
            var policyArn = policy.GetProperty("Policy").GetProperty("Arn").GetString()!;
            Assert.Equal($"arn:aws:iam::{broker.AccountId}:policy/redshift-temp-creds", policyArn);
            Assert.Equal("v1", policy.GetProperty("Policy").GetProperty("DefaultVersionId").GetString());

            var group = (await admin.RunAsync("iam create-group --group-name analysts", ct)).Json();
            Assert.StartsWith("AGPA", group.GetProperty("Group").GetProperty("GroupId").GetString(), StringComparison.Ordinal);
            (await admin.RunAsync(["iam", "attach-group-policy", "--group-name", "analysts", "--policy-arn", policyArn], ct)).Json();

            var user = (await admin.RunAsync("iam create-user --user-name adam", ct)).Json();
            Assert.Equal($"arn:aws:iam::{broker.AccountId}:user/adam", user.GetProperty("User").GetProperty("Arn").GetString());
            (await admin.RunAsync("iam add-user-to-group --group-name analysts --user-name adam", ct)).Json();

            var key = (await admin.RunAsync("iam create-access-key --user-name adam", ct)).Json().GetProperty("AccessKey");
            var adam = new SigningCredentials(key.GetProperty("AccessKeyId").GetString()!, key.GetProperty("SecretAccessKey").GetString()!);
            Assert.StartsWith("AKIA", adam.AccessKeyId, StringComparison.Ordinal);
            Assert.Equal("Active", key.GetProperty("Status").GetString());

            var who = (await broker.Cli(adam).RunAsync("sts get-caller-identity", ct)).Json();
            Assert.Equal($"arn:aws:iam::{broker.AccountId}:user/adam", who.GetProperty("Arn").GetString());
            Assert.Equal(broker.AccountId, who.GetProperty("Account").GetString());

            var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{broker.AccountId}}:user/adam"},"Action":"sts:AssumeRole"}]}""";
            var role = (await admin.RunAsync(["iam", "create-role", "--role-name", "etl", "--assume-role-policy-document", trust], ct)).Json();
            var roleArn = role.GetProperty("Role").GetProperty("Arn").GetString()!;
            var assumed = (await broker.Cli(adam).RunAsync(["sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "nightly"], ct)).Json();
            Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/etl/nightly",
                assumed.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());

            var simulated = (await admin.RunAsync(
                ["iam", "simulate-principal-policy", "--policy-source-arn", $"arn:aws:iam::{broker.AccountId}:user/adam",
                 "--action-names", "redshift:GetClusterCredentials",
                 "--resource-arns", $"arn:aws:redshift:us-east-1:{broker.AccountId}:dbuser:clustera/adam",
                 $"arn:aws:redshift:us-east-1:{broker.AccountId}:dbuser:clustera/bob"], ct)).Json();
            var decisions = simulated.GetProperty("EvaluationResults").EnumerateArray()
                .SelectMany(r => r.TryGetProperty("ResourceSpecificResults", out var rs) ? rs.EnumerateArray().Select(x => x.GetProperty("EvalResourceDecision").GetString()) : [r.GetProperty("EvalDecision").GetString()])
                .ToList();
            Assert.Equal(["allowed", "implicitDeny"], decisions);

            var denied = await broker.Cli(adam).RunAsync("iam create-user --user-name mallory", ct);
            Assert.NotEqual(0, denied.ExitCode);
            Assert.Contains("AccessDenied", denied.Stderr, StringComparison.Ordinal);
            Assert.Contains($"User: arn:aws:iam::{broker.AccountId}:user/adam is not authorized to perform: iam:CreateUser", denied.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(adam.SecretAccessKey, denied.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(policyFile);
        }
    }

    [Fact]
    public async Task AwsCli_DeactivatedOrDeletedKey_IsRefusedOnTheNextRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        // A cache that would otherwise keep the key for five minutes: only invalidation can make the refusal immediate.
        await using var broker = await TestBroker.StartAsync(o => o.CredentialCacheTtl = TimeSpan.FromMinutes(5));
        var admin = broker.Cli();
        (await admin.RunAsync("iam create-user --user-name eve", ct)).Json();
        var key = (await admin.RunAsync("iam create-access-key --user-name eve", ct)).Json().GetProperty("AccessKey");
        var eve = new SigningCredentials(key.GetProperty("AccessKeyId").GetString()!, key.GetProperty("SecretAccessKey").GetString()!);
        (await broker.Cli(eve).RunAsync("sts get-caller-identity", ct)).Json(); // the key is now in the broker's key cache

        (await admin.RunAsync(["iam", "update-access-key", "--user-name", "eve", "--access-key-id", eve.AccessKeyId, "--status", "Inactive"], ct)).Json();
        var inactive = await broker.Cli(eve).RunAsync("sts get-caller-identity", ct);
        Assert.Contains("InvalidClientTokenId", inactive.Stderr, StringComparison.Ordinal);

        (await admin.RunAsync(["iam", "update-access-key", "--user-name", "eve", "--access-key-id", eve.AccessKeyId, "--status", "Active"], ct)).Json();
        (await broker.Cli(eve).RunAsync("sts get-caller-identity", ct)).Json();
        (await admin.RunAsync(["iam", "delete-access-key", "--user-name", "eve", "--access-key-id", eve.AccessKeyId], ct)).Json();
        var deleted = await broker.Cli(eve).RunAsync("sts get-caller-identity", ct);
        Assert.Contains("InvalidClientTokenId", deleted.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Boto3_PlatformTeamStory_EveryStepParsesAsAws()
    {
        await using var broker = await TestBroker.StartAsync();
        const string script = """
            import json, os, boto3
            from botocore.config import Config
            from botocore.exceptions import ClientError
            url, cfg = os.environ["IAMDB_URL"], Config(retries={"max_attempts": 1})
            iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", config=cfg)
            out = {}
            p = iam.create_policy(PolicyName="redshift-temp-creds", PolicyDocument=os.environ["POLICY"])["Policy"]
            out["policy"] = p["Arn"]
            iam.create_group(GroupName="analysts")
            iam.attach_group_policy(GroupName="analysts", PolicyArn=p["Arn"])
            out["user"] = iam.create_user(UserName="adam")["User"]["Arn"]
            iam.add_user_to_group(GroupName="analysts", UserName="adam")
            out["groups"] = [g["GroupName"] for g in iam.list_groups_for_user(UserName="adam")["Groups"]]
            out["attached"] = [a["PolicyName"] for a in iam.list_attached_group_policies(GroupName="analysts")["AttachedPolicies"]]
            k = iam.create_access_key(UserName="adam")["AccessKey"]
            adam = boto3.session.Session(aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"], region_name="us-east-1")
            out["whoami"] = adam.client("sts", endpoint_url=url, config=cfg).get_caller_identity()["Arn"]
            version = iam.get_policy_version(PolicyArn=p["Arn"], VersionId="v1")["PolicyVersion"]
            out["document_sid"] = version["Document"]["Statement"][0]["Sid"]
            try:
                adam.client("iam", endpoint_url=url, config=cfg).create_user(UserName="mallory")
                out["denied"] = None
            except ClientError as e:
                out["denied"] = e.response["Error"]["Code"]
                out["status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
            print(json.dumps(out))
            """;
        const string policy = """
            {"Version":"2012-10-17","Statement":[{"Sid":"Creds","Effect":"Allow","Action":"redshift:GetClusterCredentials",
             "Resource":"arn:aws:redshift:us-east-1:*:dbuser:clustera/${aws:username}"}]}
            """;

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            "/usr/bin/python3",
            ["-c", script],
            new Dictionary<string, string>
            {
                ["IAMDB_URL"] = broker.Endpoint,
                ["POLICY"] = policy,
                ["AWS_ACCESS_KEY_ID"] = broker.Root.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = broker.Root.SecretAccessKey,
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            });

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:policy/redshift-temp-creds", result.GetProperty("policy").GetString());
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:user/adam", result.GetProperty("user").GetString());
        Assert.Equal(["analysts"], result.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(["redshift-temp-creds"], result.GetProperty("attached").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:user/adam", result.GetProperty("whoami").GetString());
        Assert.Equal("Creds", result.GetProperty("document_sid").GetString()); // boto3 URL-decodes and parses the document
        Assert.Equal("AccessDenied", result.GetProperty("denied").GetString());
        Assert.Equal(403, result.GetProperty("status").GetInt32());
    }
}
