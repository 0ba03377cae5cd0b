namespace IamDb.Broker.Tests.Actions.Iam;

/// <summary>Opens a fresh <see cref="IamHarness"/> per test and offers the setup calls most tests share.</summary>
public abstract class IamHandlerTestBase : IAsyncLifetime
{
    internal const string Account = IamHarness.Account;

    internal const string AllowS3 = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";

    internal const string AllowEc2 = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}""";

    internal const string Trust =
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";

    internal IamHarness Iam { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Iam = await IamHarness.OpenAsync();

    public async ValueTask DisposeAsync() => await Iam.DisposeAsync();

    internal Task<IamResponse> Call(string action, params (string, string)[] parameters) => Iam.CallAsync(action, parameters);

    internal async Task CreateUser(string name, string path = "/") => (await Call("CreateUser", ("UserName", name), ("Path", path))).Ok();

    internal async Task CreateGroup(string name) => (await Call("CreateGroup", ("GroupName", name))).Ok();

    internal async Task CreateRole(string name) =>
        (await Call("CreateRole", ("RoleName", name), ("AssumeRolePolicyDocument", Trust))).Ok();

    internal async Task<string> CreatePolicy(string name, string document = AllowS3) =>
        (await Call("CreatePolicy", ("PolicyName", name), ("PolicyDocument", document))).Ok().Value("Policy/Arn")!;

    internal static string PolicyArn(string name) => $"arn:aws:iam::{Account}:policy/{name}";
}
