using IamDb.Broker.Tests.Support;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>
/// <c>DescribeClusterCertificate</c>: the registered root a client verifies the cluster with, authorized as
/// <c>redshift:DescribeClusters</c> on the cluster's ARN.
/// </summary>
public sealed class DescribeClusterCertificateTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private static KeyValuePair<string, string> P(string name, string value) => new(name, value);

    [Fact]
    public async Task DescribeClusterCertificate_VerifiedCluster_ReturnsItsRegisteredRootAndMode()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var pem = await File.ReadAllTextAsync(postgres.Server.RootCertificatePath!, TestContext.Current.CancellationToken);
        var id = Unique("cert");
        var registered = await kit.RegisterWithAsync(id, [P("SslMode", "verify-full"), P("SslRootCertificate", pem)]);
        Assert.True(registered.ErrorCode is null, registered.ToString());

        var reply = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", [P("ClusterIdentifier", id.ToUpperInvariant())]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal(id, reply.Find("ClusterIdentifier"));
        Assert.Equal("verify-full", reply.Find("SslMode"));
        Assert.Equal(pem, reply.Find("SslRootCertificate"));
    }

    [Fact]
    public async Task DescribeClusterCertificate_ClusterWithoutRoot_HasNoCertificateElement()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);

        var reply = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", [P("ClusterIdentifier", kit.ClusterId)]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Equal("require", reply.Find("SslMode"));
        Assert.Empty(reply.All("SslRootCertificate"));
    }

    [Fact]
    public async Task DescribeClusterCertificate_UnknownCluster_IsClusterNotFound_AndNoIdentifierIsMissingParameter()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);

        var unknown = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", [P("ClusterIdentifier", "nosuchcluster")]);
        var missing = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", []);

        Assert.Equal("ClusterNotFound", unknown.ErrorCode);
        Assert.Contains("nosuchcluster", unknown.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("MissingParameter", missing.ErrorCode);
    }

    [Fact]
    public async Task DescribeClusterCertificate_IsAuthorizedAsDescribeClustersOnTheClusterArn()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var arn = $"arn:aws:redshift:us-east-1:{kit.Broker.AccountId}:cluster:{kit.ClusterId}";
        var (_, allowed) = await StoreSeed.UserWithKeyAsync(kit.Broker, "cert_reader",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:DescribeClusters","Resource":"{{arn}}"}]}""");
        var (_, other) = await StoreSeed.UserWithKeyAsync(kit.Broker, "cert_other",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentials","Resource":"*"},{"Effect":"Allow","Action":"redshift:DescribeClusters","Resource":"arn:aws:redshift:us-east-1:*:cluster:elsewhere"}]}""");

        var ok = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", [P("ClusterIdentifier", kit.ClusterId)], allowed);
        var denied = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", [P("ClusterIdentifier", kit.ClusterId)], other);
        var deniedUnknown = await kit.Broker.CallAsync("redshift", "DescribeClusterCertificate", [P("ClusterIdentifier", "nosuchcluster")], other);

        Assert.True(ok.ErrorCode is null, ok.ToString());
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Contains($"redshift:DescribeClusters on resource: {arn}", denied.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("AccessDenied", deniedUnknown.ErrorCode); // whether a cluster exists is not told to who may not describe it
    }
}
