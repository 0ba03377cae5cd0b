using System.Diagnostics;
using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Tls;

/// <summary>
/// A broker serving TLS with the CA it generated writes <c>ca_bundle</c> into the AWS config file it generates, so the aws
/// CLI (v2) and <c>iamdb</c> trust it with nothing but the two generated files exported: no <c>AWS_CA_BUNDLE</c>, no
/// <c>--ca-bundle</c>, no profile named.
/// </summary>
[Collection(TlsBrokersGroup.Name)]
public sealed class GeneratedCaBundleTests(TlsBrokersFixture brokers) : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task GeneratedConfig_NamesTheGeneratedCa_InBothProfiles()
    {
        var config = await File.ReadAllLinesAsync(brokers.GeneratedFiles()["AWS_CONFIG_FILE"]!, TestContext.Current.CancellationToken);

        foreach (var section in new[] { "[profile iamdb]", "[default]" })
        {
            var lines = config.SkipWhile(l => l.Trim() != section).Skip(1).TakeWhile(l => !l.TrimStart().StartsWith('[')).ToList();
            Assert.Contains($"ca_bundle = {brokers.GeneratedCa}", lines);
        }
    }

    [Fact]
    public async Task AwsCliV2_WithOnlyTheGeneratedFiles_TrustsTheBroker()
    {
        const string aws = "/usr/bin/aws"; // Debian's awscli: v2
        Assert.True(File.Exists(aws), $"{aws} is missing: install Debian's awscli package (scripts/test.sh does)");
        var psi = new ProcessStartInfo(aws) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--endpoint-url", brokers.Generated.Endpoint, "--output", "json", "--no-cli-pager", "sts", "get-caller-identity" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in brokers.GeneratedFiles())
        {
            psi.Environment[key] = value;
        }

        psi.Environment["HOME"] = _cli.Directory;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.EndsWith(":root", JsonDocument.Parse(await stdout).RootElement.GetProperty("Arn").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Iamdb_WithOnlyTheGeneratedFiles_TrustsTheBroker()
    {
        foreach (var (key, value) in brokers.GeneratedFiles())
        {
            _cli.Environment[key] = value;
        }

        var result = await _cli.RunAsync("clusters", "list", "--output", "json", "--endpoint-url", brokers.Generated.Endpoint);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(result.Stdout).RootElement.ValueKind);
    }
}
