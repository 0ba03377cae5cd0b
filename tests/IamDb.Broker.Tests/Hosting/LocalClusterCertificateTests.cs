using System.Net;
using System.Security.Cryptography.X509Certificates;
using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using Npgsql;

namespace IamDb.Broker.Tests.Hosting;

/// <summary>
/// <c>iamdb up</c>'s local cluster for clients: <c>DescribeClusterCertificate</c> hands out the local CA that issued the
/// server's certificate, the certificate names every address the cluster is reached by, and a client verifying with
/// <c>verify-full</c> against that CA logs in by 127.0.0.1 and by localhost.
/// </summary>
public sealed class LocalClusterCertificateTests
{
    [Fact]
    public async Task LocalCluster_CaFromDescribeClusterCertificate_VerifiesTheServerFully_ByAddressAndByName()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("iamdb-local-ca-").FullName;
        try
        {
            await using var broker = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory);
            Assert.Null(broker.Host.LocalClusterSkippedBecause);
            var reply = await broker.CallAsync("redshift", "DescribeClusterCertificate", [new("ClusterIdentifier", "local")]);
            Assert.True(reply.ErrorCode is null, reply.ToString());
            Assert.Equal("verify-full", reply.Find("SslMode"));
            var caPem = reply.Find("SslRootCertificate")!;
            Assert.DoesNotContain("PRIVATE KEY", caPem, StringComparison.Ordinal);
            using var ca = X509Certificate2.CreateFromPem(caPem);
            Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

            var port = int.Parse((await broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "local")])).Find("Port")!,
                System.Globalization.CultureInfo.InvariantCulture);
            var issued = await broker.CallAsync("redshift", "GetClusterCredentials",
                [new("ClusterIdentifier", "local"), new("DbUser", "verified"), new("AutoCreate", "true")]);
            Assert.True(issued.ErrorCode is null, issued.ToString());
            var caFile = Path.Combine(directory, "client-root.crt");
            await File.WriteAllTextAsync(caFile, caPem, ct);

            foreach (var host in new[] { "127.0.0.1", "localhost" })
            {
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
                {
                    Host = host,
                    Port = port,
                    Database = "postgres",
                    Username = issued.Find("DbUser"),
                    Password = issued.Find("DbPassword"),
                    SslMode = SslMode.VerifyFull,
                    RootCertificate = caFile,
                    Pooling = false,
                    Timeout = 15,
                }.ConnectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("select current_user", connection);
                Assert.Equal("verified", await command.ExecuteScalarAsync(ct));
            }

            // Every name the cluster is reached by, in the certificate the server presents, which chains to the CA.
            var serverPem = await File.ReadAllTextAsync(Path.Combine(directory, LocalClusterService.FolderName, "data", "server.crt"), ct);
            using var server = X509Certificate2.CreateFromPem(serverPem);
            var names = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Contains("localhost", names.EnumerateDnsNames());
            var hostName = Dns.GetHostName();
            if (Uri.CheckHostName(hostName) == UriHostNameType.Dns && hostName != "localhost")
            {
                Assert.Contains(hostName, names.EnumerateDnsNames());
            }

            Assert.Contains(IPAddress.Loopback, names.EnumerateIPAddresses());
            Assert.Contains(IPAddress.IPv6Loopback, names.EnumerateIPAddresses());
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
            Assert.NotEqual(server.Thumbprint, ca.Thumbprint);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
