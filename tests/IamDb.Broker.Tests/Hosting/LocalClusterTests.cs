using System.Net.Sockets;
using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Hosting;

/// <summary>
/// <c>iamdb up</c>'s local cluster: PostgreSQL started from the machine's binaries in DATA/postgres with TLS, registered
/// as <c>local</c>, stopped with the broker and reused on the next start.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalClusterTests
{
    [Fact]
    public async Task LocalCluster_StartsWithTls_IssuesCredentials_StopsWithTheBroker_AndIsReused()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("iamdb-local-").FullName;
        try
        {
            int port;
            await using (var broker = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory))
            {
                Assert.Null(broker.Host.LocalClusterSkippedBecause);
                var summary = Assert.Single(await broker.Host.DescribeClustersAsync(ct));
                Assert.StartsWith("local  127.0.0.1:", summary, StringComparison.Ordinal);
                Assert.Contains("TLS", summary, StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(directory, "local-cluster.secret")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "local-cluster.secret")));

                var described = await broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "local")]);
                port = int.Parse(described.Find("Port")!, System.Globalization.CultureInfo.InvariantCulture);
                var issued = await broker.CallAsync("redshift", "GetClusterCredentials",
                    [new("ClusterIdentifier", "local"), new("DbUser", "dev1"), new("AutoCreate", "true")]);
                Assert.True(issued.ErrorCode is null, issued.ToString());
                var password = issued.Find("DbPassword")!;

                var psql = await ProcessRunner.RunAsync(
                    "/usr/bin/psql",
                    ["-X", "-w", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", issued.Find("DbUser")!,
                     "-d", "postgres", "-tA", "-c", "select current_user || ' ' || current_setting('ssl')"],
                    new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGSSLMODE"] = "require" });
                Assert.True(psql.ExitCode == 0, psql.Stderr.Replace(password, "[password]", StringComparison.Ordinal));
                Assert.Equal("dev1 on", psql.Stdout.Trim()); // sslmode=require: the login itself went over TLS
            }

            // Stopped with the broker.
            using (var probe = new TcpClient())
            {
                await Assert.ThrowsAnyAsync<SocketException>(async () => await probe.ConnectAsync("127.0.0.1", port, ct));
            }

            await using (var again = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory))
            {
                var summary = Assert.Single(await again.Host.DescribeClustersAsync(ct));
                Assert.Contains($":{port}/", summary, StringComparison.Ordinal); // the same server, on the same port
                var issued = await again.CallAsync("redshift", "GetClusterCredentials", [new("ClusterIdentifier", "local"), new("DbUser", "dev1")]);
                Assert.True(issued.ErrorCode is null, issued.ToString()); // dev1 survived: the data was reused
            }

            await using (var skipped = await TestBroker.StartAsync(dataDirectory: directory))
            {
                using var probe = new TcpClient();
                await Assert.ThrowsAnyAsync<SocketException>(async () => await probe.ConnectAsync("127.0.0.1", port, ct));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task LocalCluster_UnderADirectoryThePostgresUserCannotEnter_LivesWhereItCan_AndIsReused()
    {
        var ct = TestContext.Current.CancellationToken;
        // Like root's default data directory under /root (0700): as root, the server's postgres user cannot pass the parent.
        var closed = Directory.CreateTempSubdirectory("iamdb-closed-").FullName;
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var directory = Path.Combine(closed, "data");
        var fallback = IamDb.Broker.Hosting.LocalClusterService.FallbackServerDirectory(directory);
        try
        {
            await using (var broker = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory))
            {
                Assert.Null(broker.Host.LocalClusterSkippedBecause);
                var issued = await broker.CallAsync("redshift", "GetClusterCredentials",
                    [new("ClusterIdentifier", "local"), new("DbUser", "dev2"), new("AutoCreate", "true")]);
                Assert.True(issued.ErrorCode is null, issued.ToString());
            }

            // As root the cluster went to the fallback; otherwise the data directory was reachable and it stayed there.
            var expected = Environment.IsPrivilegedProcess ? fallback : Path.Combine(directory, "postgres");
            Assert.True(File.Exists(Path.Combine(expected, "data", "PG_VERSION")), expected);

            await using (var again = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory))
            {
                var issued = await again.CallAsync("redshift", "GetClusterCredentials", [new("ClusterIdentifier", "local"), new("DbUser", "dev2")]);
                Assert.True(issued.ErrorCode is null, issued.ToString()); // dev2 survived: the same cluster was found again
            }
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

    [Fact]
    public async Task LocalCluster_IsNotStarted_WhenAnotherClusterIsRegistered()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("iamdb-local-").FullName;
        try
        {
            await using (var broker = await TestBroker.StartAsync(dataDirectory: directory))
            {
                var other = new IamDb.Broker.State.Redshift.RedshiftCluster(broker.AccountId, "prod", "us-east-1", "127.0.0.1", 1, "postgres", "postgres",
                    new IamDb.Broker.Secrets.SecretString("x"), DateTimeOffset.UtcNow);
                await broker.Store.WriteAsync((w, c) => w.Clusters.CreateAsync(other, c), ct);
            }

            await using var again = await TestBroker.StartAsync(o => o.LocalCluster = true, dataDirectory: directory);
            Assert.Equal("other clusters are registered", again.Host.LocalClusterSkippedBecause);
            Assert.False(Directory.Exists(Path.Combine(directory, "postgres")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
