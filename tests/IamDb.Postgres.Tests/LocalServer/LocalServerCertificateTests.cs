using System.Net;
using System.Security.Cryptography.X509Certificates;
using IamDb.Postgres.LocalServer;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.LocalServer;

/// <summary>
/// The local server's certificate is issued by a local CA (<see cref="LocalPostgresServer.RootCertificatePath"/>) that
/// clients verify with; a data directory from before (a self-signed certificate, no CA) gets a CA-issued one at its next
/// start, and a plain restart keeps the same CA.
/// </summary>
public sealed class LocalServerCertificateTests
{
    [Fact]
    public async Task StartAsync_OldSelfSignedCertificate_IsReplacedByOneFromALocalCa_WhichARestartKeeps()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("iamdb-pg-ca-").FullName;
        try
        {
            var options = new LocalPostgresOptions { Directory = dir, Durable = false, Tls = true };
            string certPath;
            await using (var first = await LocalPostgresServer.StartAsync(options, "pw-ca-test", ct: ct))
            {
                certPath = first.CertificatePath!;
            }

            // What an older version left: a self-signed server certificate and no CA file.
            var old = TestCertificates.CreateServer(null, ["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllTextAsync(certPath, old.CertificatePem, ct);
            File.Delete(Path.Combine(Path.GetDirectoryName(certPath)!, "root.crt"));

            string caPem;
            await using (var second = await LocalPostgresServer.StartAsync(options, "pw-ca-test", ct: ct))
            {
                caPem = await File.ReadAllTextAsync(second.RootCertificatePath!, ct);
                var serverPem = await File.ReadAllTextAsync(certPath, ct);
                Assert.NotEqual(old.CertificatePem, serverPem);
                using var ca = X509Certificate2.CreateFromPem(caPem);
                using var server = X509Certificate2.CreateFromPem(serverPem);
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

                // The server presents it: verify-full against the CA logs in.
                var builder = new NpgsqlConnectionStringBuilder(second.ConnectionString())
                {
                    Host = "localhost",
                    SslMode = SslMode.VerifyFull,
                    RootCertificate = second.RootCertificatePath,
                    Pooling = false,
                };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
            }

            await using var third = await LocalPostgresServer.StartAsync(options, "pw-ca-test", ct: ct);
            Assert.Equal(caPem, await File.ReadAllTextAsync(third.RootCertificatePath!, ct));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
