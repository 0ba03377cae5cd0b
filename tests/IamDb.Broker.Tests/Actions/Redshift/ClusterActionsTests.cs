using System.Net;
using System.Net.Sockets;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>RegisterCluster, DescribeClusters, TestCluster, DisableClusterPasswords, DeregisterCluster against the real test server.</summary>
public sealed class ClusterActionsTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    [Fact]
    public async Task DescribeClusters_OneAllPagesAndTags_InRedshiftsShape()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        for (var i = 0; i < 24; i++)
        {
            var reply = await kit.RegisterAsync($"c{i:D2}", tags: i % 2 == 0 ? [("env", "dev")] : [("env", "prod"), ("team", "data")]);
            Assert.True(reply.ErrorCode is null, reply.ToString());
        }

        var one = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "clusterA")]);
        Assert.Equal(HttpStatusCode.OK, one.Status);
        Assert.Equal("DescribeClustersResponse", one.Xml.Name.LocalName);
        Assert.Equal("http://redshift.amazonaws.com/doc/2012-12-01/", one.Xml.Name.NamespaceName);
        var cluster = Assert.Single(one.All("Cluster"));
        Assert.Equal("clusterA", cluster.Elements().Single(e => e.Name.LocalName == "ClusterIdentifier").Value);
        Assert.Equal("available", one.Find("ClusterStatus"));
        Assert.Equal(kit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), one.Find("Port"));
        Assert.Equal(kit.Host, one.Find("Address"));

        var first = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("MaxRecords", "20")]);
        Assert.Equal(20, first.All("Cluster").Count());
        var marker = first.Xml.Elements().First().Elements().First(e => e.Name.LocalName == "Marker").Value;
        var second = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("MaxRecords", "20"), new("Marker", marker)]);
        Assert.Equal(5, second.All("Cluster").Count());
        Assert.Null(second.Find("Marker"));

        var prod = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("TagKeys.TagKey.1", "env"), new("TagValues.TagValue.1", "prod")]);
        Assert.Equal(12, prod.All("Cluster").Count());
        var team = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("TagKeys.TagKey.1", "team")]);
        Assert.Equal(12, team.All("Cluster").Count());
        Assert.Equal("data", team.All("Tag").First(t => t.Elements().First().Value == "team").Elements().Last().Value);

        var tooFew = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("MaxRecords", "5")]);
        Assert.Equal("InvalidParameterValue", tooFew.ErrorCode);
        var both = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "clusterA"), new("Marker", marker)]);
        Assert.Equal("InvalidParameterCombination", both.ErrorCode);
    }

    [Fact]
    public async Task DescribeClusters_UnknownCluster_IsClusterNotFound404()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var reply = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "awscluster")]);
        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal("ClusterNotFound", reply.ErrorCode);
        Assert.Equal("Cluster awscluster not found.", reply.ErrorMessage);
        Assert.Equal("Sender", reply.Find("Type"));
    }

    [Fact]
    public async Task AwsCli_DescribeClusters_UnknownCluster_ShowsClusterNotFound()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var result = await kit.Broker.Cli().RunAsync("redshift describe-clusters --cluster-identifier nosuch", TestContext.Current.CancellationToken);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ClusterNotFound", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Cluster nosuch not found.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCluster_WrongAdminPassword_IsInvalidClusterState_AndStoresNothing()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        const string wrong = "not-the-password-1234";

        var reply = await kit.RegisterAsync("refused", password: wrong);

        Assert.Equal("InvalidClusterState", reply.ErrorCode);
        Assert.Contains("refused", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, reply.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(kit.AdminPassword, reply.Body, StringComparison.Ordinal);
        Assert.Null(await kit.Broker.Store.ReadAsync((r, c) => r.Clusters.GetAsync(kit.Broker.AccountId, "refused", c), TestContext.Current.CancellationToken));
        var audit = (await kit.Broker.AuditAsync()).First(a => a.RequestId == reply.RequestId);
        Assert.DoesNotContain(wrong, audit.RequestParameters!.Value.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, kit.Broker.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCluster_Unreachable_IsServiceUnavailable_AndStoresNothing()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var reply = await kit.RegisterAsync("down", port: closedPort);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("ServiceUnavailable", reply.ErrorCode);
        Assert.Contains("unreachable", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(kit.AdminPassword, reply.Body, StringComparison.Ordinal);
        Assert.Null(await kit.Broker.Store.ReadAsync((r, c) => r.Clusters.GetAsync(kit.Broker.AccountId, "down", c), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RegisterCluster_Twice_IsClusterAlreadyExists_AndTheAdminPasswordIsEncryptedAtRest()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var again = await kit.RegisterAsync("CLUSTERA");
        Assert.Equal("ClusterAlreadyExists", again.ErrorCode);
        var stored = await kit.Broker.Store.ReadAsync((r, c) => r.Clusters.GetAsync(kit.Broker.AccountId, "clustera", c), TestContext.Current.CancellationToken);
        Assert.Equal(kit.AdminPassword, stored!.AdminPassword.Reveal());
        Assert.DoesNotContain(kit.AdminPassword, stored.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCluster_NeedsIamDbPermission()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "gina",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:*","Resource":"*"}]}""");
        var reply = await kit.Broker.CallAsync("redshift", "RegisterCluster",
            [new("ClusterIdentifier", "x1"), new("Host", "127.0.0.1"), new("DBName", "postgres"), new("MasterUsername", "postgres"), new("MasterUserPassword", "pw")],
            key);
        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.Contains($"iamdb:RegisterCluster on resource: arn:aws:redshift:us-east-1:{kit.Broker.AccountId}:cluster:x1", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestCluster_ReportsVersionDatabasesAndPasswordUsers()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var reply = await kit.Broker.CallAsync("redshift", "TestCluster", [new("ClusterIdentifier", "clusterA")]);
        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Matches(@"^1\d\.", reply.Find("ServerVersion")!); // PostgreSQL 15 or later
        Assert.Contains(reply.All("Databases").Single().Elements(), e => e.Value == "postgres");
    }

    [Fact]
    public async Task DisableClusterPasswords_DryRunChangesNothing_ThenDisables_RefusingTheSuperuser()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("pw");
        await kit.ExecAsync($"CREATE ROLE \"{user}\" LOGIN PASSWORD 'Secret-{Guid.NewGuid():N}'");
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("ClusterIdentifier", "clusterA"), new("DbUsers.DbUser.1", user), new("DbUsers.DbUser.2", "postgres"),
        };

        var dry = await kit.Broker.CallAsync("redshift", "DisableClusterPasswords", [.. parameters, new("DryRun", "true")]);
        Assert.True(dry.ErrorCode is null, dry.ToString());
        Assert.NotNull(await kit.ScalarAsync<string>($"SELECT rolpassword FROM pg_authid WHERE rolname = '{user}'"));

        var real = await kit.Broker.CallAsync("redshift", "DisableClusterPasswords", parameters);
        Assert.True(real.ErrorCode is null, real.ToString());
        var members = real.All("member").ToDictionary(m => m.Elements().First(e => e.Name.LocalName == "DbUser").Value,
            m => m.Elements().First(e => e.Name.LocalName == "Changed").Value);
        Assert.Equal("true", members[user]);
        Assert.Equal("false", members["postgres"]);
        Assert.Null(await kit.ScalarAsync<string>($"SELECT rolpassword FROM pg_authid WHERE rolname = '{user}'"));
        Assert.NotNull(await kit.ScalarAsync<string>("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'"));
    }

    [Fact]
    public async Task DeregisterCluster_RevokesItsCredentials_AndForgetsIt()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var issued = await kit.GetCredentialsAsync(user);
        var login = issued.Find("DbUser")!;
        Assert.True(await kit.RoleExistsAsync(login));

        var reply = await kit.Broker.CallAsync("redshift", "DeregisterCluster", [new("ClusterIdentifier", "clusterA")]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.False(await kit.RoleExistsAsync(login));
        var gone = await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "clusterA")]);
        Assert.Equal("ClusterNotFound", gone.ErrorCode);
        var credential = await kit.Broker.Store.ReadAsync((r, c) => r.Credentials.GetAsync(issued.RequestId!, c), TestContext.Current.CancellationToken);
        Assert.NotNull(credential!.RevokedAt);
    }
}
