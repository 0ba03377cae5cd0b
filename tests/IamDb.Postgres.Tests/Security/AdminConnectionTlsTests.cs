using System.Net;
using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Security;

/// <summary>
/// Attack: a server (or someone in its place) that offers no TLS, hoping the broker falls back to plaintext and sends
/// the admin password readable. Before issue 12 the admin connection used SslMode=Prefer and did exactly that.
/// </summary>
public sealed class AdminConnectionTlsTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _plain = PostgresServerFixture.WithOptions(o => o with { Tls = false });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => _plain.InitializeAsync();

    public ValueTask DisposeAsync() => _plain.DisposeAsync();

    private ClusterEndpoint Endpoint(string sslMode) =>
        new(_plain.Server.Host, _plain.Server.Port, "postgres", _plain.Server.SuperUser, new NpgsqlConnectionStringBuilder(_plain.Server.ConnectionString()).Password!)
        {
            SslMode = sslMode,
        };

    [Theory]
    [InlineData("require")]
    [InlineData("verify-full")]
    public async Task AdminConnection_ToServerWithoutTls_FailsInsteadOfFallingBackToPlaintext(string sslMode)
    {
        await using var admin = new PostgresClusterAdministration();

        var e = await Assert.ThrowsAsync<ClusterOperationException>(() => admin.TestAsync(Endpoint(sslMode), Ct));

        Assert.Equal(ClusterFailure.TlsFailed, e.Failure);
        Assert.Contains("does not offer TLS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminConnection_DefaultEndpoint_IsRequire_NeverPlaintext()
    {
        await using var admin = new PostgresClusterAdministration();
        var endpoint = Endpoint("require") with { };

        Assert.Equal("require", new ClusterEndpoint("h", 1, "d", "u", "p").SslMode);
        var e = await Assert.ThrowsAsync<ClusterOperationException>(() => admin.PrepareAsync(endpoint, Ct));
        Assert.Equal(ClusterFailure.TlsFailed, e.Failure);
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("prefer")]
    [InlineData("allow")]
    public async Task AdminConnection_ModesWithoutTls_AreRefused(string sslMode)
    {
        await using var admin = new PostgresClusterAdministration();

        var e = await Assert.ThrowsAsync<ClusterOperationException>(() => admin.TestAsync(Endpoint(sslMode), Ct));

        Assert.Equal(ClusterFailure.TlsFailed, e.Failure);
        Assert.Contains("there is no mode without TLS", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The admin connection's certificate checks, at the library level, against the shared server's self-signed certificate.</summary>
public sealed class AdminCertificateVerificationTests(PostgresServerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ClusterEndpoint Endpoint(string host, string sslMode, string? root) =>
        new(host, fixture.Server.Port, "postgres", fixture.Server.SuperUser, new NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString()).Password!)
        {
            SslMode = sslMode,
            RootCertificatePem = root,
        };

    [Fact]
    public async Task VerifyFull_AgainstTheServersLocalCa_Passes_AndReportsTheTlsVersion()
    {
        await using var admin = new PostgresClusterAdministration();
        var pem = await File.ReadAllTextAsync(fixture.Server.RootCertificatePath!, Ct);

        var test = await admin.TestAsync(Endpoint("127.0.0.1", "verify-full", pem), Ct);

        Assert.Matches(@"^TLSv1\.[23]$", test.TlsVersion);
    }

    [Fact]
    public async Task VerifyCa_AnotherRoot_IsUntrustedRoot()
    {
        await using var admin = new PostgresClusterAdministration();
        var other = TestCertificates.CreateServer(null, ["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));

        var e = await Assert.ThrowsAsync<ClusterOperationException>(() => admin.TestAsync(Endpoint("127.0.0.1", "verify-ca", other.CertificatePem), Ct));

        Assert.Equal(ClusterFailure.TlsFailed, e.Failure);
        Assert.Contains("failed verify-ca: untrusted root", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRootPem_IsTlsFailed_NotACrash()
    {
        await using var admin = new PostgresClusterAdministration();

        var e = await Assert.ThrowsAsync<ClusterOperationException>(() => admin.TestAsync(Endpoint("127.0.0.1", "verify-full", "garbage"), Ct));

        Assert.Equal(ClusterFailure.TlsFailed, e.Failure);
    }
}
