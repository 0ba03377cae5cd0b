using System.Net;
using System.Text.Json;
using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Hosting;

public sealed class BrokerHostTests
{
    [Fact]
    public async Task StartAsync_EmptyDataDirectory_CreatesAccountRootKeyAndPrivateProfileFiles()
    {
        await using var broker = await TestBroker.StartAsync();

        Assert.True(broker.Host.CreatedAccount);
        Assert.Matches("^[0-9]{12}$", broker.AccountId);
        Assert.StartsWith("http://127.0.0.1:", broker.Endpoint, StringComparison.Ordinal);
        Assert.StartsWith("AKIA", broker.Root.AccessKeyId, StringComparison.Ordinal);
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(broker.Host.CredentialsFilePath) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Contains("[iamdb]", await File.ReadAllTextAsync(broker.Host.CredentialsFilePath, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("[profile iamdb]\nregion = us-east-1", await File.ReadAllTextAsync(broker.Host.ConfigFilePath, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SecondStart_ReusesAccountAndRootKey()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-restart-").FullName;
        string account;
        string keyId;
        await using (var first = await TestBroker.StartAsync(dataDirectory: dir))
        {
            account = first.AccountId;
            keyId = first.Root.AccessKeyId;
        }

        await using var second = await TestBroker.StartAsync(dataDirectory: dir);
        var reply = await second.CallAsync("sts", "GetCallerIdentity");

        Assert.False(second.Host.CreatedAccount);
        Assert.Equal(account, second.AccountId);
        Assert.Equal(keyId, second.Root.AccessKeyId);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(account, reply.Find("Account"));
    }

    [Fact]
    public async Task StartAsync_ConfiguredAccountId_IsUsed()
    {
        await using var broker = await TestBroker.StartAsync(o => o.AccountId = "000000000000");

        var reply = await broker.CallAsync("sts", "GetCallerIdentity");

        Assert.Equal("arn:aws:iam::000000000000:root", reply.Find("Arn"));
    }

    [Fact]
    public async Task Health_WithoutAuthentication_ReportsStoreReachable()
    {
        await using var broker = await TestBroker.StartAsync();

        using var response = await broker.GetAsync("/health");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("reachable", json.RootElement.GetProperty("store").GetString());
    }

    [Fact]
    public async Task StartAsync_GeneratedTls_ServesHttpsTrustedByWrittenCa()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add("https://127.0.0.1:0");
            o.GenerateTlsCertificate = true;
        });
        var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(
            System.Text.Encoding.ASCII.GetBytes(await File.ReadAllTextAsync(broker.Host.CaCertificatePath!, TestContext.Current.CancellationToken)));
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return chain.Build(cert!);
            },
        };
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync(broker.Endpoint + "/health", TestContext.Current.CancellationToken);

        Assert.StartsWith("https://", broker.Endpoint, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void Validate_SeveralProblems_ListsEveryOne()
    {
        var options = new BrokerOptions
        {
            AccountId = "12",
            Region = "nowhere",
            Store = StoreKind.Postgres,
            ThrottleBurst = 0,
            MaxRequestBodyBytes = 10,
        };
        options.Urls.Add("ftp://x");

        var error = Assert.Throws<BrokerOptionsException>(options.Validate);

        Assert.Equal(6, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.Contains("account id", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("connection string", StringComparison.Ordinal));
    }
}
