using IamDb.Client.Query;
using IamDb.Client.Tests.Support;
using IamDb.Client.Tls;

namespace IamDb.Client.Tests.Tls;

/// <summary>
/// <see cref="AwsQueryClient"/> against a real broker serving HTTPS on loopback with its generated CA: a CA bundle adds
/// trust for that client only, a bundle that cannot be read is an error naming the file, and a refusal says why.
/// </summary>
public sealed class CaBundleTrustTests : IAsyncLifetime
{
    private LoopbackBroker _broker = null!;

    private string CaPath => _broker.Host.CaCertificatePath!;

    public async ValueTask InitializeAsync() =>
        _broker = await LoopbackBroker.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add("https://127.0.0.1:0");
            o.GenerateTlsCertificate = true;
        });

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    private Task<AwsQueryResponse> WhoAmIAsync(AwsQueryClient client) =>
        client.CallAsync(_broker.Request("sts", "GetCallerIdentity"), TestContext.Current.CancellationToken);

    [Fact]
    public async Task WithTheBrokersCa_TheCallSucceeds()
    {
        using var client = new AwsQueryClient(_broker.RootCredentials, new AwsQueryClientOptions { CaBundle = CaBundle.Load(CaPath) });

        var answer = await WhoAmIAsync(client);

        Assert.Equal(_broker.AccountId, answer.Result.Text("Account"));
        Assert.Equal(CaPath, client.TrustedCaBundle!.Path);
    }

    [Fact]
    public async Task WithoutIt_TheCallIsRefused_SayingUntrustedRoot_AndWhatToDo()
    {
        using var client = new AwsQueryClient(_broker.RootCredentials, new AwsQueryClientOptions { UseAwsCaBundleSettings = false });

        var error = await Assert.ThrowsAsync<AwsNetworkException>(() => WhoAmIAsync(client));

        Assert.Contains("untrusted root", error.Message, StringComparison.Ordinal);
        Assert.Contains(CaBundle.EnvironmentVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrustIsPerClient_AnotherClientWithoutTheBundleIsStillRefused()
    {
        using var trusting = new AwsQueryClient(_broker.RootCredentials, new AwsQueryClientOptions { CaBundle = CaBundle.Load(CaPath) });
        using var plain = new AwsQueryClient(_broker.RootCredentials, new AwsQueryClientOptions { UseAwsCaBundleSettings = false });

        await WhoAmIAsync(trusting);

        await Assert.ThrowsAsync<AwsNetworkException>(() => WhoAmIAsync(plain));
    }

    [Fact]
    public void MissingOrEmptyBundle_IsAnErrorNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), "iamdb-no-such-" + Guid.NewGuid().ToString("N") + ".pem");
        var empty = Path.GetTempFileName();
        try
        {
            var notFound = Assert.Throws<CaBundleException>(() => CaBundle.Load(missing, "--ca-bundle"));
            var noCertificate = Assert.Throws<CaBundleException>(() => CaBundle.Load(empty, "AWS_CA_BUNDLE"));

            Assert.Contains(missing, notFound.Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", notFound.Message, StringComparison.Ordinal);
            Assert.Contains(empty, noCertificate.Message, StringComparison.Ordinal);
            Assert.Contains("AWS_CA_BUNDLE", noCertificate.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(empty);
        }
    }
}
