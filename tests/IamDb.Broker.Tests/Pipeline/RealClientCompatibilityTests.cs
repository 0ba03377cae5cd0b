using System.Text.Json;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Pipeline;

/// <summary>The broker driven by Debian's aws CLI v2 and python3-boto3, unchanged except for the endpoint URL.</summary>
public sealed class RealClientCompatibilityTests
{
    [Fact]
    public async Task AwsCli_ProfileFromDataDirectory_GetsCallerIdentity()
    {
        await using var broker = await TestBroker.StartAsync();

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            IamDb.Testing.AwsCli.Path,
            ["--profile", "iamdb", "--endpoint-url", broker.Endpoint, "sts", "get-caller-identity"],
            new Dictionary<string, string>
            {
                ["AWS_SHARED_CREDENTIALS_FILE"] = broker.Host.CredentialsFilePath,
                ["AWS_CONFIG_FILE"] = broker.Host.ConfigFilePath,
            });

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:root", json.RootElement.GetProperty("Arn").GetString());
        Assert.DoesNotContain(broker.Root.SecretAccessKey, stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsCli_AssumeRoleThenGetCallerIdentityWithSession_Works()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var assumed = (await broker.Cli(key).RunAsync(
            ["sts", "assume-role", "--role-arn", role.Arn, "--role-session-name", "cli", "--duration-seconds", "900"],
            TestContext.Current.CancellationToken)).Json();
        var credentials = assumed.GetProperty("Credentials");
        var session = new Aws.Signing.SigningCredentials(
            credentials.GetProperty("AccessKeyId").GetString()!,
            credentials.GetProperty("SecretAccessKey").GetString()!,
            credentials.GetProperty("SessionToken").GetString());
        var who = (await broker.Cli(session).RunAsync("sts get-caller-identity", TestContext.Current.CancellationToken)).Json();

        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/Deployer/cli", assumed.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/Deployer/cli", who.GetProperty("Arn").GetString());
    }

    [Fact]
    public async Task AwsCli_ExplicitDeny_IsAccessDeniedNamingTheDenyingPolicy()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice", StoreSeed.AllowAll);
        var denyArn = await StoreSeed.AttachManagedPolicyAsync(
            broker, user, "NoRoles", """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}""");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));

        var result = await broker.Cli(key).RunAsync(["sts", "assume-role", "--role-arn", role.Arn, "--role-session-name", "cli"], TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("(AccessDenied)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(
            $"User: {user.Arn} is not authorized to perform: sts:AssumeRole on resource: {role.Arn} with an explicit deny in an identity-based policy: {denyArn}",
            result.Stderr,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsCli_ClockSkewedTwentyMinutes_IsSignatureDoesNotMatch()
    {
        // The broker's clock runs 20 minutes ahead of the aws CLI's, beyond SigV4's 15-minute window.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(20));
        await using var broker = await TestBroker.StartAsync(time: time);
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");

        var result = await broker.Cli(key).RunAsync("sts get-caller-identity", TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("(SignatureDoesNotMatch)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Signature expired", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsCli_SessionAfterExpiry_IsExpiredToken()
    {
        // Sessions last at least 15 minutes and clocks may differ by at most 15: issue the session on a broker clock
        // 12 minutes behind the client, then move the broker 8 minutes ahead, past the session's end.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-12));
        await using var broker = await TestBroker.StartAsync(time: time);
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));
        var assumed = (await broker.Cli(key).RunAsync(
            ["sts", "assume-role", "--role-arn", role.Arn, "--role-session-name", "cli", "--duration-seconds", "900"],
            TestContext.Current.CancellationToken)).Json().GetProperty("Credentials");
        var session = new Aws.Signing.SigningCredentials(
            assumed.GetProperty("AccessKeyId").GetString()!, assumed.GetProperty("SecretAccessKey").GetString()!, assumed.GetProperty("SessionToken").GetString());

        time.SetUtcNow(DateTimeOffset.UtcNow.AddMinutes(8));
        var result = await broker.Cli(session).RunAsync("sts get-caller-identity", TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("(ExpiredToken)", result.Stderr, StringComparison.Ordinal);
        Assert.False(result.Stderr.Contains(session.SessionToken!, StringComparison.Ordinal), "the session token appeared in the aws CLI's error");
    }

    [Fact]
    public async Task AwsCli_GetSessionToken_ReturnsCredentials()
    {
        await using var broker = await TestBroker.StartAsync();
        var (_, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");

        var result = (await broker.Cli(key).RunAsync("sts get-session-token --duration-seconds 900", TestContext.Current.CancellationToken)).Json();

        Assert.StartsWith("ASIA", result.GetProperty("Credentials").GetProperty("AccessKeyId").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong-secret", "SignatureDoesNotMatch")]
    [InlineData("inactive-key", "InvalidClientTokenId")]
    [InlineData("missing-permission", "AccessDenied")]
    public async Task AwsCli_NegativeCases_ShowAwsErrorCodes(string scenario, string expectedCode)
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor($"arn:aws:iam::{broker.AccountId}:root"));
        var cli = scenario switch
        {
            "wrong-secret" => broker.Cli(new Aws.Signing.SigningCredentials(key.AccessKeyId, new string('q', 40))),
            _ => broker.Cli(key),
        };
        if (scenario == "inactive-key")
        {
            await StoreSeed.SetKeyStatusAsync(broker, key.AccessKeyId, Broker.State.Iam.AccessKeyStatus.Inactive);
        }

        var result = await cli.RunAsync(["sts", "assume-role", "--role-arn", role.Arn, "--role-session-name", "cli"], TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"({expectedCode})", result.Stderr, StringComparison.Ordinal);
        if (scenario == "missing-permission")
        {
            Assert.Contains($"User: {user.Arn} is not authorized to perform: sts:AssumeRole on resource: {role.Arn}", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Boto3_GetCallerIdentityAndAssumeRole_Work()
    {
        await using var broker = await TestBroker.StartAsync();
        var (user, key) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        var role = await StoreSeed.RoleAsync(broker, "Deployer", StoreSeed.TrustPolicyFor(user.Arn));
        const string script = """
            import json, os, boto3
            sts = boto3.client("sts", endpoint_url=os.environ["IAMDB_URL"], region_name="us-east-1")
            me = sts.get_caller_identity()
            r = sts.assume_role(RoleArn=os.environ["ROLE_ARN"], RoleSessionName="boto", DurationSeconds=900)
            c = r["Credentials"]
            s = boto3.client("sts", endpoint_url=os.environ["IAMDB_URL"], region_name="us-east-1",
                             aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
            print(json.dumps({"me": me["Arn"], "session": s.get_caller_identity()["Arn"], "expires": str(c["Expiration"])}))
            """;

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            "/usr/bin/python3",
            ["-c", script],
            new Dictionary<string, string>
            {
                ["IAMDB_URL"] = broker.Endpoint,
                ["ROLE_ARN"] = role.Arn,
                ["AWS_ACCESS_KEY_ID"] = key.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = key.SecretAccessKey,
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            });

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(user.Arn, json.RootElement.GetProperty("me").GetString());
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/Deployer/boto", json.RootElement.GetProperty("session").GetString());
    }
}
