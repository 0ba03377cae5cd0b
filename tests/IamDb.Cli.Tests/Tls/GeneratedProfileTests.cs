using System.Diagnostics;
using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Tls;

/// <summary>
/// The README's sequence as written: export the <c>AWS_SHARED_CREDENTIALS_FILE</c>/<c>AWS_CONFIG_FILE</c> the broker
/// generated, then run <c>iamdb …</c> (and the aws CLI) with no <c>--profile</c> and no <c>AWS_PROFILE</c>.
/// </summary>
[Collection(TlsBrokersGroup.Name)]
public sealed class GeneratedProfileTests(TlsBrokersFixture brokers) : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task ReadmeTour_ExportedGeneratedFiles_AndTheDataDirectory_FindTheRootProfile_AndTrustTheLocalCa()
    {
        foreach (var (key, value) in brokers.GeneratedFiles())
        {
            _cli.Environment[key] = value;
        }

        _cli.Environment["IAMDB_DATA_DIR"] = brokers.Generated.DataDirectory;

        var result = await _cli.RunAsync("clusters", "list", "--output", "json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(result.Stdout).RootElement.ValueKind);
    }

    [Fact]
    public async Task GeneratedFiles_HoldADefaultProfile_ThatTheAwsCliUsesWithoutProfile()
    {
        var files = brokers.GeneratedFiles();
        var aws = File.Exists(AwsCli.Path) ? AwsCli.Path : "aws";
        var psi = new ProcessStartInfo(aws)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--endpoint-url", brokers.Generated.Endpoint, "--output", "json", "sts", "get-caller-identity" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["AWS_SHARED_CREDENTIALS_FILE"] = files["AWS_SHARED_CREDENTIALS_FILE"];
        psi.Environment["AWS_CONFIG_FILE"] = files["AWS_CONFIG_FILE"];
        psi.Environment["AWS_CA_BUNDLE"] = brokers.GeneratedCa;
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
    public async Task OlderGeneratedFile_WithOnlyProfileIamdb_IsStillFoundWithoutProfile()
    {
        // A data directory from before the generated files carried [default]: only [iamdb].
        var generated = await File.ReadAllTextAsync(brokers.GeneratedFiles()["AWS_SHARED_CREDENTIALS_FILE"]!, TestContext.Current.CancellationToken);
        var onlyIamdb = generated[..generated.IndexOf("[default]", StringComparison.Ordinal)];
        var older = Path.Combine(_cli.Directory, "older-credentials");
        await File.WriteAllTextAsync(older, onlyIamdb, TestContext.Current.CancellationToken);
        _cli.Environment["AWS_SHARED_CREDENTIALS_FILE"] = older;
        _cli.Environment["AWS_CONFIG_FILE"] = Path.Combine(_cli.Directory, "no-config");
        _cli.Environment["AWS_CA_BUNDLE"] = brokers.GeneratedCa;

        var result = await _cli.RunAsync("clusters", "list", "--output", "json", "--endpoint-url", brokers.Generated.Endpoint);

        Assert.StartsWith("[iamdb]", onlyIamdb, StringComparison.Ordinal);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
    }
}
