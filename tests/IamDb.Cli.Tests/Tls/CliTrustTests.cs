using System.Text.Json;
using IamDb.Cli.Output;

namespace IamDb.Cli.Tests.Tls;

/// <summary>
/// The real <c>iamdb</c> command against real <c>iamdb server</c> processes over HTTPS: it trusts the broker's CA the ways
/// the aws CLI does (<c>--ca-bundle</c>, <c>AWS_CA_BUNDLE</c>, the profile's <c>ca_bundle</c>) and a saved environment's,
/// refuses without one, and explains untrusted-root, name-mismatch and expired-certificate failures.
/// </summary>
[Collection(TlsBrokersGroup.Name)]
public sealed class CliTrustTests(TlsBrokersFixture brokers) : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<CliResult> ListClustersAsync(string endpoint, params string[] extra)
    {
        foreach (var (key, value) in brokers.GeneratedFiles())
        {
            _cli.Environment.TryAdd(key, value); // a test may have put another config file in place
        }

        return await _cli.RunAsync(["clusters", "list", "--output", "json", "--endpoint-url", endpoint, .. extra]);
    }

    // The generated config names the generated CA (ca_bundle); the tests of a client without a CA use one that does not.
    private async Task UseConfigWithoutCaBundleAsync()
    {
        var config = Path.Combine(_cli.Directory, "aws-config-without-ca");
        await File.WriteAllTextAsync(config, "[profile iamdb]\nregion = us-east-1\n\n[default]\nregion = us-east-1\n", TestContext.Current.CancellationToken);
        _cli.Environment["AWS_CONFIG_FILE"] = config;
    }

    private static void AssertAnswered(CliResult result)
    {
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
    }

    [Fact]
    public async Task WithoutTheCa_IsRefused_SayingUntrustedRoot_AndHowToTrustIt()
    {
        await UseConfigWithoutCaBundleAsync();
        var result = await ListClustersAsync(brokers.Generated.Endpoint);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("untrusted root", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("AWS_CA_BUNDLE", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("see inner exception", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AwsCaBundle_TrustsTheBrokersGeneratedCa()
    {
        _cli.Environment["AWS_CA_BUNDLE"] = brokers.GeneratedCa;

        AssertAnswered(await ListClustersAsync(brokers.Generated.Endpoint));
    }

    [Fact]
    public async Task CaBundleOption_TrustsTheBrokersGeneratedCa()
    {
        AssertAnswered(await ListClustersAsync(brokers.Generated.Endpoint, "--ca-bundle", brokers.GeneratedCa));
    }

    [Fact]
    public async Task ProfileCaBundle_InTheAwsConfigFile_TrustsTheBrokersGeneratedCa()
    {
        var config = Path.Combine(_cli.Directory, "aws-config");
        await File.WriteAllTextAsync(
            config,
            $"[profile iamdb]\nregion = us-east-1\nca_bundle = {brokers.GeneratedCa}\n",
            TestContext.Current.CancellationToken);

        await UseConfigWithoutCaBundleAsync();
        var result = await ListClustersAsync(brokers.Generated.Endpoint, "--profile", "iamdb");
        _cli.Environment["AWS_CONFIG_FILE"] = config;
        var withProfileBundle = await _cli.RunAsync("clusters", "list", "--output", "json", "--endpoint-url", brokers.Generated.Endpoint, "--profile", "iamdb");

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString()); // a config without ca_bundle
        AssertAnswered(withProfileBundle);
    }

    [Fact]
    public async Task SavedEnvironment_CarriesItsCaBundle()
    {
        var add = await _cli.RunAsync("env", "add", "secure", "--endpoint-url", brokers.Generated.Endpoint, "--cluster", "c", "--db-user", "u",
            "--ca-bundle", brokers.GeneratedCa);
        var list = await _cli.RunAsync("env", "list", "--output", "json");
        foreach (var (key, value) in brokers.GeneratedFiles())
        {
            _cli.Environment[key] = value;
        }

        var viaEnv = await _cli.RunAsync("clusters", "list", "--output", "json", "--env", "secure");

        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        Assert.Contains(brokers.GeneratedCa.Replace("\\", "\\\\", StringComparison.Ordinal), list.Stdout, StringComparison.Ordinal);
        AssertAnswered(viaEnv);
    }

    [Fact]
    public async Task MissingBundleFile_IsAnErrorNamingTheFile_NeverIgnored()
    {
        var missing = Path.Combine(_cli.Directory, "no-such-ca.pem");
        var add = await _cli.RunAsync("env", "add", "typo", "--endpoint-url", brokers.Generated.Endpoint, "--cluster", "c", "--db-user", "u",
            "--ca-bundle", missing);
        _cli.Environment["AWS_CA_BUNDLE"] = missing;
        var viaVariable = await ListClustersAsync(brokers.Generated.Endpoint);
        var notPem = Path.Combine(_cli.Directory, "not-a-ca.pem");
        await File.WriteAllTextAsync(notPem, "hello\n", TestContext.Current.CancellationToken);
        var viaOption = await ListClustersAsync(brokers.Generated.Endpoint, "--ca-bundle", notPem);

        Assert.True(add.ExitCode == ExitCodes.Failure, add.ToString());
        Assert.Contains(missing, add.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.ConfigPath) && File.ReadAllText(_cli.ConfigPath).Contains("typo", StringComparison.Ordinal));
        Assert.True(viaVariable.ExitCode == ExitCodes.Failure, viaVariable.ToString());
        Assert.Contains(missing, viaVariable.Stderr, StringComparison.Ordinal);
        Assert.Contains("AWS_CA_BUNDLE", viaVariable.Stderr, StringComparison.Ordinal);
        Assert.True(viaOption.ExitCode == ExitCodes.Failure, viaOption.ToString());
        Assert.Contains(notPem, viaOption.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BundleAddsTrust_ButNeverForgivesANameMismatch()
    {
        var result = await ListClustersAsync(brokers.WrongName.Endpoint, "--ca-bundle", brokers.TestCa);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("name mismatch", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("other.example", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredCertificate_IsRefused_SayingWhenItExpired()
    {
        var result = await ListClustersAsync(brokers.Expired.Endpoint, "--ca-bundle", brokers.TestCa);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("expired certificate", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Renew", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherCa_InTheBundle_DoesNotTrustTheBroker()
    {
        var result = await ListClustersAsync(brokers.Generated.Endpoint, "--ca-bundle", brokers.TestCa);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("untrusted root", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(brokers.TestCa, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpsToAPlainHttpPort_IsExplainedAsAProtocolProblem()
    {
        // A server that answers plain HTTP where the client expects a TLS handshake.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), TestContext.Current.CancellationToken);
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);

        var result = await ListClustersAsync($"https://127.0.0.1:{port}");
        await serve;

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Contains("protocol", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("http://", result.Stderr, StringComparison.Ordinal);
    }
}
