using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Security;

/// <summary><c>iamdb up</c> refuses plain HTTP on a non-loopback address unless told otherwise.</summary>
public sealed class PlainHttpCommandTests
{
    [Fact]
    public async Task Up_OnAllAddressesWithoutTls_IsRefusedNamingAllowPlainHttp()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-plainhttp-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(["up", "--data-dir", dir, "--port", "0", "--host", "0.0.0.0", "--no-local-cluster"]);

            Assert.Equal(ExitCodes.Usage, exitCode);
            Assert.Contains("--allow-plain-http", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("IamDb ready", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
