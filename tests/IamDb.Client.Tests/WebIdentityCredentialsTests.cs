using System.Text;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Tests.Support;

namespace IamDb.Client.Tests;

/// <summary>
/// Web-identity credentials (<c>AWS_WEB_IDENTITY_TOKEN_FILE</c> style) against a real broker: the call is unsigned
/// <c>AssumeRoleWithWebIdentity</c> at the given STS endpoint, the token file is read again for each exchange, and
/// neither errors nor the broker's logs carry the token.
/// </summary>
public sealed class WebIdentityCredentialsTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::000000000000:role/workload";
    private readonly string _directory = Directory.CreateTempSubdirectory("iamdb-web-identity-").FullName;
    private LoopbackBroker _broker = null!;

    private string TokenFile => Path.Combine(_directory, "token");

    public async ValueTask InitializeAsync() => _broker = await LoopbackBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TokenFileMissing_ErrorNamesTheFile()
    {
        var source = WebIdentityCredentials.FromTokenFile(RoleArn, TokenFile, "s1", _broker.Endpoint, "us-east-1");

        var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => Signing(source));

        Assert.Contains(TokenFile, error.Message);
        Assert.StartsWith("web-identity:" + RoleArn, source.Identity, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RewrittenTokenFile_IsWhatTheNextExchangeSends()
    {
        var source = WebIdentityCredentials.FromTokenFile(RoleArn, TokenFile, "s1", _broker.Endpoint, "us-east-1");
        var first = Token("https://first-issuer.test");
        await File.WriteAllTextAsync(TokenFile, first + "\n", TestContext.Current.CancellationToken);

        var refusedFirst = await Assert.ThrowsAsync<AwsCredentialsException>(() => Signing(source));

        // The platform rotates the token (a Kubernetes projected token is replaced in place).
        var second = Token("https://second-issuer.test");
        await File.WriteAllTextAsync(TokenFile, second, TestContext.Current.CancellationToken);
        var refusedSecond = await Assert.ThrowsAsync<AwsCredentialsException>(() => Signing(source));

        // The broker names the issuer it found in the token it got: the first, then the rewritten one.
        Assert.Equal("InvalidIdentityToken", Assert.IsType<AwsServiceException>(refusedFirst.InnerException).Code);
        Assert.Contains("https://first-issuer.test", refusedFirst.Message);
        Assert.Contains("https://second-issuer.test", refusedSecond.Message);
        Assert.DoesNotContain(first, refusedFirst.Message + refusedSecond.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(second, _broker.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyTokenFile_RefusedBeforeAnyCall()
    {
        await File.WriteAllTextAsync(TokenFile, "  \n", TestContext.Current.CancellationToken);
        var source = WebIdentityCredentials.FromTokenFile(RoleArn, TokenFile, "s1", _broker.Endpoint, "us-east-1");

        var error = await Assert.ThrowsAsync<AwsCredentialsException>(() => Signing(source));

        Assert.Contains("is empty", error.Message);
        Assert.Null(error.InnerException);
    }

    private static async Task Signing(AwsCredentialSource source) => await source.GetSigningCredentialsAsync(TestContext.Current.CancellationToken);

    // A JWT-shaped token (unsigned garbage signature): the broker finds the issuer's provider before it checks keys.
    private static string Token(string issuer)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Part("{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}") + "."
            + Part($"{{\"iss\":\"{issuer}\",\"sub\":\"system:serviceaccount:apps:worker\",\"aud\":\"sts.amazonaws.com\",\"iat\":{now},\"exp\":{now + 600}}}") + "."
            + Part(Guid.NewGuid().ToString("N"));
    }
}
