using System.Net;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Three PostgreSQL servers of these tests' own: one with a certificate from a private CA that names only 127.0.0.1, one
/// with an expired self-signed certificate, one without TLS.
/// </summary>
public sealed class TlsTestServers : IAsyncLifetime
{
    public PemPair Ca { get; } = TestCertificates.CreateCa("IamDb test CA");

    public PemPair OtherCa { get; } = TestCertificates.CreateCa("Somebody else's CA");

    public PostgresServerFixture Issued { get; private set; } = null!;

    public PostgresServerFixture Expired { get; private set; } = null!;

    public PostgresServerFixture Plain { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var issued = TestCertificates.CreateServer(Ca, [], [IPAddress.Loopback], now.AddMinutes(-30), now.AddDays(30));
        var expired = TestCertificates.CreateServer(null, ["localhost"], [IPAddress.Loopback], now.AddDays(-30), now.AddDays(-1));
        Issued = PostgresServerFixture.WithOptions(o => o with { TlsCertificatePem = issued.CertificatePem, TlsPrivateKeyPem = issued.PrivateKeyPem });
        Expired = PostgresServerFixture.WithOptions(o => o with { TlsCertificatePem = expired.CertificatePem, TlsPrivateKeyPem = expired.PrivateKeyPem });
        Plain = PostgresServerFixture.WithOptions(o => o with { Tls = false });
        await Task.WhenAll(Issued.InitializeAsync().AsTask(), Expired.InitializeAsync().AsTask(), Plain.InitializeAsync().AsTask());
        ExpiredPem = expired.CertificatePem;
    }

    public string ExpiredPem { get; private set; } = "";

    public async ValueTask DisposeAsync()
    {
        foreach (var server in new[] { Issued, Expired, Plain })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// Attack: someone between the broker and a cluster presents their own certificate and collects the admin (often
/// superuser) login. Before issue 12 the admin connection used SslMode=Prefer with no certificate check, so each
/// registration below that must fail succeeded (and a server without TLS got the password in the clear).
/// </summary>
public sealed class ClusterTlsVerificationTests(PostgresServerFixture postgres, TlsTestServers servers) : IClassFixture<TlsTestServers>
{
    private static KeyValuePair<string, string> P(string name, string value) => new(name, value);

    private static string Password(PostgresServerFixture server) => new NpgsqlConnectionStringBuilder(server.Server.ConnectionString()).Password!;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private Task<QueryReply> RegisterAsync(RedshiftTestKit kit, string id, PostgresServerFixture server, string? host = null, params KeyValuePair<string, string>[] settings) =>
        kit.RegisterWithAsync(id, settings, host: host ?? server.Server.Host, port: server.Server.Port, adminUser: server.Server.SuperUser, password: Password(server));

    // What a registration could have changed on the server: IamDb's roles and the database ACLs.
    private static async Task<string> ServerStateAsync(PostgresServerFixture server)
    {
        await using var source = server.CreateDataSource();
        await using var command = source.CreateCommand(
            "select coalesce(string_agg(rolname, ',' order by rolname), '') from pg_roles where rolname like 'iamdb%' "
            + "union all select coalesce(string_agg(datname || '=' || coalesce(datacl::text, 'default'), ',' order by datname), '') from pg_database");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var parts = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            parts.Add(reader.GetString(0));
        }

        return string.Join(" | ", parts);
    }

    private async Task AssertRefusedAsync(RedshiftTestKit kit, string id, QueryReply reply, PostgresServerFixture server, string before, string check)
    {
        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains(check, reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(Password(server), reply.Body, StringComparison.Ordinal);
        Assert.Equal("ClusterNotFound", (await kit.Broker.CallAsync("redshift", "DescribeClusters", [P("ClusterIdentifier", id)])).ErrorCode);
        Assert.Equal(before, await ServerStateAsync(server));
    }

    [Fact]
    public async Task RegisterCluster_VerifyFullWithoutRoot_UntrustedCertificate_IsRefusedAndNothingChanges()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await ServerStateAsync(servers.Issued);
        var id = Unique("mitm");

        var reply = await RegisterAsync(kit, id, servers.Issued, null, P("SslMode", "verify-full"));

        await AssertRefusedAsync(kit, id, reply, servers.Issued, before, "untrusted root");
        Assert.Contains("--ssl-root-cert", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCluster_WrongRootCertificate_IsRefusedAsUntrustedRoot()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await ServerStateAsync(servers.Issued);
        var id = Unique("wrongroot");

        var reply = await RegisterAsync(kit, id, servers.Issued, null, P("SslMode", "verify-full"), P("SslRootCertificate", servers.OtherCa.CertificatePem));

        await AssertRefusedAsync(kit, id, reply, servers.Issued, before, "untrusted root: it does not chain to the cluster's registered root certificate");
    }

    [Fact]
    public async Task RegisterCluster_NameMismatch_IsRefused_AndVerifyCaAcceptsTheSameServer()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await ServerStateAsync(servers.Issued);
        var id = Unique("name");

        // The certificate names 127.0.0.1 only; "localhost" reaches the same server under a name it does not carry.
        var reply = await RegisterAsync(kit, id, servers.Issued, "localhost", P("SslMode", "verify-full"), P("SslRootCertificate", servers.Ca.CertificatePem));

        await AssertRefusedAsync(kit, id, reply, servers.Issued, before, "name mismatch: the certificate is for 127.0.0.1, not for localhost");
        Assert.Contains("--ssl-mode verify-ca", reply.ErrorMessage, StringComparison.Ordinal);

        var chainOnly = await RegisterAsync(kit, id, servers.Issued, "localhost", P("SslMode", "verify-ca"), P("SslRootCertificate", servers.Ca.CertificatePem));
        Assert.True(chainOnly.ErrorCode is null, chainOnly.ToString());
        await kit.Broker.CallAsync("redshift", "DeregisterCluster", [P("ClusterIdentifier", id)]);
    }

    [Fact]
    public async Task RegisterCluster_ExpiredCertificate_IsRefusedEvenWhenItIsTheRegisteredRoot()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await ServerStateAsync(servers.Expired);
        var id = Unique("expired");

        var reply = await RegisterAsync(kit, id, servers.Expired, null, P("SslMode", "verify-full"), P("SslRootCertificate", servers.ExpiredPem));

        await AssertRefusedAsync(kit, id, reply, servers.Expired, before, "expired: the certificate was valid until");
        Assert.Contains("renew the server's certificate", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCluster_ServerWithoutTls_IsRefused_NoPlaintextFallback()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await ServerStateAsync(servers.Plain);
        var id = Unique("plain");

        // Loopback: the default mode is require, which still demands TLS.
        var reply = await RegisterAsync(kit, id, servers.Plain);

        await AssertRefusedAsync(kit, id, reply, servers.Plain, before, "does not offer TLS");
    }

    [Fact]
    public async Task RegisterCluster_RightRoot_VerifyFull_Succeeds_AndTestClusterReportsTheVerification()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var id = Unique("good");

        var reply = await RegisterAsync(kit, id, servers.Issued, null, P("SslMode", "verify-full"), P("SslRootCertificate", servers.Ca.CertificatePem));
        Assert.True(reply.ErrorCode is null, reply.ToString());
        try
        {
            var test = await kit.Broker.CallAsync("redshift", "TestCluster", [P("ClusterIdentifier", id)]);
            Assert.True(test.ErrorCode is null, test.ToString());
            Assert.Matches(@"^TLSv1\.[23]$", test.Find("TlsVersion"));
            Assert.Equal("verified (verify-full) against the registered root, name 127.0.0.1 matched", test.Find("TlsVerification"));

            // Replacing the root with one that does not verify the server is refused and changes nothing.
            var update = await kit.UpdateAsync(id, P("SslRootCertificate", servers.OtherCa.CertificatePem));
            Assert.Equal("InvalidParameterValue", update.ErrorCode);
            Assert.Contains("untrusted root", update.ErrorMessage, StringComparison.Ordinal);
            var again = await kit.Broker.CallAsync("redshift", "TestCluster", [P("ClusterIdentifier", id)]);
            Assert.True(again.ErrorCode is null, again.ToString());
        }
        finally
        {
            await kit.Broker.CallAsync("redshift", "DeregisterCluster", [P("ClusterIdentifier", id)]);
        }
    }
}
