using System.Net;
using IamDb.Aws.Signing;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Commands.Audit;

/// <summary>
/// A data directory whose audit trail a real broker process wrote: root creates user adam and his key, adam signs in,
/// is denied iam:ListUsers, a request with a wrong secret fails authentication, and a duplicate CreateUser fails.
/// The broker keeps running, so the tests also show that <c>iamdb audit</c> reads alongside it.
/// </summary>
public sealed class AuditedBrokerFixture : IAsyncLifetime
{
    private BrokerProcess? _broker;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("iamdb-audit-cli-").FullName;

    public string AccountId { get; private set; } = string.Empty;

    public string AdamArn { get; private set; } = string.Empty;

    public string AdamKeyId { get; private set; } = string.Empty;

    /// <summary>Every secret the run handled; none may appear in any output of <c>iamdb audit</c>.</summary>
    public List<string> Secrets { get; } = [];

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow.AddSeconds(-1);

    public async ValueTask InitializeAsync()
    {
        _broker = await BrokerProcess.StartAsync(DataDirectory);
        var root = SignedClient.ReadProfile(Path.Combine(DataDirectory, "credentials"));
        Secrets.Add(root.SecretAccessKey);
        using var client = new SignedClient(_broker.Endpoint);

        var user = await client.CallAsync("iam", "CreateUser", root, ("UserName", "adam"));
        Check(user.Status == HttpStatusCode.OK, "CreateUser");
        AdamArn = user.Body.Find("Arn")!;
        AccountId = AdamArn.Split(':')[4];
        var key = await client.CallAsync("iam", "CreateAccessKey", root, ("UserName", "adam"));
        Check(key.Status == HttpStatusCode.OK, "CreateAccessKey");
        AdamKeyId = key.Body.Find("AccessKeyId")!;
        var adam = new SigningCredentials(AdamKeyId, key.Body.Find("SecretAccessKey")!);
        Secrets.Add(adam.SecretAccessKey);

        Check((await client.CallAsync("sts", "GetCallerIdentity", adam)).Status == HttpStatusCode.OK, "adam's GetCallerIdentity");
        Check((await client.CallAsync("iam", "ListUsers", adam)).Status == HttpStatusCode.Forbidden, "adam's ListUsers");
        Check((await client.CallAsync("sts", "GetCallerIdentity", new SigningCredentials(AdamKeyId, "not-" + adam.SecretAccessKey))).Status == HttpStatusCode.Forbidden, "wrong secret");
        Check((await client.CallAsync("iam", "CreateUser", root, ("UserName", "adam"))).Status == HttpStatusCode.Conflict, "duplicate CreateUser");
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }

    private void Check(bool condition, string step)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"populating the audit trail failed at {step}; broker stderr: {_broker?.Stderr}");
        }
    }
}
