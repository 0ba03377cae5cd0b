using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Tests.Support;

namespace IamDb.Client.Tests.Query;

/// <summary>AWS credential resolution through AWSSDK.Core, against the real broker.</summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class CredentialSourceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAssumeRoleProfile_SignsAsTheRoleSession()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{broker.AccountId}}:user/ops"},"Action":"sts:AssumeRole"}]}""";
        await broker.Query.CallAsync(broker.Request("iam", "CreateUser").Add("UserName", "ops"), Ct);
        await broker.Query.CallAsync(broker.Request("iam", "PutUserPolicy").Add("UserName", "ops").Add("PolicyName", "assume")
            .Add("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"""), Ct);
        var key = await broker.Query.CallAsync(broker.Request("iam", "CreateAccessKey").Add("UserName", "ops"), Ct);
        await broker.Query.CallAsync(broker.Request("iam", "CreateRole").Add("RoleName", "Deployer").Add("AssumeRolePolicyDocument", trust), Ct);
        var directory = Directory.CreateTempSubdirectory("iamdb-client-profiles-").FullName;
        var config = Path.Combine(directory, "config");
        await File.WriteAllTextAsync(config, $"""
            [profile deployer]
            role_arn = arn:aws:iam::{broker.AccountId}:role/Deployer
            role_session_name = from-profile
            source_profile = ops
            region = us-east-1
            """, Ct);
        // AWSSDK.Core reads the config file beside the credentials file it is given.
        var credentials = Path.Combine(directory, "credentials");
        await File.WriteAllTextAsync(credentials, $"""
            [ops]
            aws_access_key_id = {key.Result.Text("AccessKey", "AccessKeyId")}
            aws_secret_access_key = {key.Result.Text("AccessKey", "SecretAccessKey")}
            """, Ct);
        using var environment = new ProcessEnvironment(new()
        {
            ["AWS_ENDPOINT_URL_STS"] = broker.Host.EndpointUrl,
        });

        var source = AwsCredentialSource.FromProfile("deployer", credentials);
        using var client = new AwsQueryClient(source);
        var who = await client.CallAsync(broker.Request("sts", "GetCallerIdentity"), Ct);

        Directory.Delete(directory, recursive: true);
        Assert.Equal("profile:deployer@" + credentials, source.Identity);
        Assert.Equal($"arn:aws:sts::{broker.AccountId}:assumed-role/Deployer/from-profile", who.Result.Text("Arn"));
    }

    [Fact]
    public async Task TheDefaultChain_ReadsEnvironmentVariables()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        var root = File.ReadAllLines(broker.Host.CredentialsFilePath).Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).DistinctBy(p => p[0].Trim()).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        using var environment = new ProcessEnvironment(new()
        {
            ["AWS_ACCESS_KEY_ID"] = root["aws_access_key_id"],
            ["AWS_SECRET_ACCESS_KEY"] = root["aws_secret_access_key"],
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        });

        var source = AwsCredentialSource.Default();
        using var client = new AwsQueryClient(source);
        var who = await client.CallAsync(broker.Request("sts", "GetCallerIdentity"), Ct);

        Assert.Equal("default:" + root["aws_access_key_id"], source.Identity);
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:root", who.Result.Text("Arn"));
    }

    [Fact]
    public void AMissingProfile_SaysWhichProfile()
    {
        var error = Assert.Throws<AwsCredentialsException>(() => AwsCredentialSource.FromProfile("no-such-profile", "/nonexistent/credentials"));

        Assert.Contains("no-such-profile", error.Message);
    }
}

/// <summary>Sets process environment variables for one test and restores them; tests using it never run in parallel.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment : IDisposable
{
    private readonly Dictionary<string, string?> _saved = new();

    public ProcessEnvironment()
    {
    }

    internal ProcessEnvironment(Dictionary<string, string> values)
    {
        foreach (var (name, value) in values)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
