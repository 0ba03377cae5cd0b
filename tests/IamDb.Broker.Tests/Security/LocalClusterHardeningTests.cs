using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using Npgsql;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Attacks on <c>iamdb up</c>'s local cluster: a credential (or the admin password) sent over plain TCP, where anyone on
/// the path reads it; other local users browsing the cluster's folder; the broker trusting whatever answers on the
/// port. Before issue 12 pg_hba.conf accepted plain TCP, DATA/postgres was 0755 and the cluster was registered without
/// certificate verification.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalClusterHardeningTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static async Task<Exception?> TryLoginAsync(int port, string user, string password, SslMode sslMode)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = "postgres",
            Username = user,
            Password = password,
            SslMode = sslMode,
            Pooling = false,
            Timeout = 15,
        };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException)
        {
            return e;
        }
    }

    [Fact]
    public async Task LocalCluster_PlainTcpLoginIsRefused_TlsLoginWorks_FolderIsPrivate_AndTheBrokerVerifiesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("iamdb-local-").FullName;
        try
        {
            await using var broker = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory);
            Assert.Null(broker.Host.LocalClusterSkippedBecause);
            var described = await broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "local")]);
            Assert.Equal("verify-full", described.Find("SslMode"));
            var port = int.Parse(described.Find("Port")!, System.Globalization.CultureInfo.InvariantCulture);
            var test = await broker.CallAsync("redshift", "TestCluster", [new("ClusterIdentifier", "local")]);
            Assert.Equal("verified (verify-full) against the registered root, name 127.0.0.1 matched", test.Find("TlsVerification"));

            var issued = await broker.CallAsync("redshift", "GetClusterCredentials",
                [new("ClusterIdentifier", "local"), new("DbUser", "hardened"), new("AutoCreate", "true")]);
            Assert.True(issued.ErrorCode is null, issued.ToString());
            var user = issued.Find("DbUser")!;
            var password = issued.Find("DbPassword")!;

            var plain = await TryLoginAsync(port, user, password, SslMode.Disable);
            var pe = Assert.IsType<PostgresException>(plain);
            Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, pe.SqlState); // pg_hba: hostnossl ... reject
            Assert.Null(await TryLoginAsync(port, user, password, SslMode.Require));

            var folder = Path.Combine(directory, LocalClusterService.FolderName);
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(folder));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(folder, "data")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task LocalCluster_InTheFallbackFolder_ParentsCannotBeListed_AndItsFolderIsPrivate()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return; // The fallback is root's: as another user the data directory is always reachable.
        }

        var closed = Directory.CreateTempSubdirectory("iamdb-closed-").FullName;
        File.SetUnixFileMode(closed, OwnerOnly);
        var directory = Path.Combine(closed, "data");
        var fallback = LocalClusterService.FallbackServerDirectory(directory);
        try
        {
            await using (var broker = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory))
            {
                Assert.Null(broker.Host.LocalClusterSkippedBecause);
            }

            const UnixFileMode passThrough = OwnerOnly | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            Assert.Equal(passThrough, File.GetUnixFileMode(Path.GetDirectoryName(fallback)!));
            Assert.Equal(passThrough, File.GetUnixFileMode(Path.GetDirectoryName(Path.GetDirectoryName(fallback))!));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(fallback));
        }
        finally
        {
            Directory.Delete(closed, recursive: true);
            if (Directory.Exists(Path.GetDirectoryName(fallback)))
            {
                Directory.Delete(Path.GetDirectoryName(fallback)!, recursive: true);
            }
        }
    }
}
