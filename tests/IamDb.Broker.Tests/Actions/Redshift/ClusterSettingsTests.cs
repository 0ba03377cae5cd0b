using IamDb.Broker.State.Redshift;
using IamDb.Testing;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>
/// The per-cluster security settings: RegisterCluster's SslMode, SslRootCertificate, AllowedDbGroups.member.N and
/// AllowPrivilegedDbUsers (validated, stored, shown harmlessly by DescribeClusters), and UpdateCluster.
/// </summary>
public sealed class ClusterSettingsTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private static KeyValuePair<string, string> P(string name, string value) => new(name, value);

    [Fact]
    public async Task RegisterCluster_Settings_AreStoredAndDescribed_WithoutTheCertificate()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var id = Unique("set");

        var reply = await kit.RegisterWithAsync(id, [P("AllowedDbGroups.member.1", "analysts"), P("AllowedDbGroups.member.2", "team_*"), P("AllowPrivilegedDbUsers", "true")]);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        var described = await kit.Broker.CallAsync("redshift", "DescribeClusters", [P("ClusterIdentifier", id)]);
        Assert.Equal("require", described.Find("SslMode")); // loopback default
        Assert.Equal(["analysts", "team_*"], described.All("AllowedDbGroups").Single().Elements().Select(e => e.Value));
        Assert.Equal("true", described.Find("AllowPrivilegedDbUsers"));
        Assert.DoesNotContain("CERTIFICATE", described.Body, StringComparison.Ordinal);

        var plain = await kit.Broker.CallAsync("redshift", "DescribeClusters", [P("ClusterIdentifier", kit.ClusterId)]);
        Assert.Equal("false", plain.Find("AllowPrivilegedDbUsers"));
        Assert.Empty(plain.All("AllowedDbGroups").Single().Elements());
    }

    [Theory]
    [InlineData("SslMode", "disable", "InvalidParameterValue", "SslMode must be require, verify-ca or verify-full")]
    [InlineData("SslMode", "prefer", "InvalidParameterValue", "SslMode must be require, verify-ca or verify-full")]
    [InlineData("SslRootCertificate", "not a certificate", "InvalidParameterValue", "SslRootCertificate must be one or more PEM X.509 certificates")]
    [InlineData("SslRootCertificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "InvalidParameterValue", "SslRootCertificate must be one or more PEM")]
    [InlineData("AllowedDbGroups.member.1", "Team A", "InvalidParameterValue", "AllowedDbGroups entries may contain only")]
    [InlineData("AllowPrivilegedDbUsers", "yes", "InvalidParameterValue", "true or false")]
    public async Task RegisterCluster_BadSetting_IsRefused_AndNothingIsStored(string name, string value, string code, string message)
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var id = Unique("bad");

        var reply = await kit.RegisterWithAsync(id, [P(name, value)]);

        Assert.Equal(code, reply.ErrorCode);
        Assert.Contains(message, reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("ClusterNotFound", (await kit.Broker.CallAsync("redshift", "DescribeClusters", [P("ClusterIdentifier", id)])).ErrorCode);
    }

    [Fact]
    public async Task RegisterCluster_RootCertificateWithRequire_IsInvalidCombination()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var pem = await File.ReadAllTextAsync(postgres.Server.RootCertificatePath!, TestContext.Current.CancellationToken);

        var reply = await kit.RegisterWithAsync(Unique("combo"), [P("SslMode", "require"), P("SslRootCertificate", pem)]);

        Assert.Equal("InvalidParameterCombination", reply.ErrorCode);
        Assert.Contains("verify-full", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateCluster_ChangesSettings_AndEmptyValuesClearThem()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var pem = await File.ReadAllTextAsync(postgres.Server.RootCertificatePath!, TestContext.Current.CancellationToken);

        var set = await kit.UpdateAsync(
            kit.ClusterId, P("AllowedDbGroups.member.1", "readers"), P("AllowPrivilegedDbUsers", "true"), P("SslRootCertificate", pem));
        Assert.True(set.ErrorCode is null, set.ToString());
        Assert.Equal("verify-full", set.Find("SslMode")); // a root without a mode means: verify with it
        Assert.Equal("readers", set.All("AllowedDbGroups").Single().Elements().Single().Value);
        Assert.Equal("true", set.Find("AllowPrivilegedDbUsers"));

        var cleared = await kit.UpdateAsync(
            kit.ClusterId, P("AllowedDbGroups", ""), P("AllowPrivilegedDbUsers", "false"), P("SslMode", "require"), P("SslRootCertificate", ""));
        Assert.True(cleared.ErrorCode is null, cleared.ToString());
        var described = await kit.Broker.CallAsync("redshift", "DescribeClusters", [P("ClusterIdentifier", kit.ClusterId)]);
        Assert.Equal("require", described.Find("SslMode"));
        Assert.Empty(described.All("AllowedDbGroups").Single().Elements());
        Assert.Equal("false", described.Find("AllowPrivilegedDbUsers"));
    }

    [Fact]
    public async Task UpdateCluster_WrongNewAdminPassword_ChangesNothing_AndTheRightOneIsStored()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        const string wrong = "not-the-password-5678";

        var refused = await kit.UpdateAsync(kit.ClusterId, P("MasterUserPassword", wrong), P("AllowPrivilegedDbUsers", "true"));

        Assert.Equal("InvalidClusterState", refused.ErrorCode);
        Assert.DoesNotContain(wrong, refused.Body, StringComparison.Ordinal);
        var described = await kit.Broker.CallAsync("redshift", "DescribeClusters", [P("ClusterIdentifier", kit.ClusterId)]);
        Assert.Equal("false", described.Find("AllowPrivilegedDbUsers"));
        var test = await kit.Broker.CallAsync("redshift", "TestCluster", [P("ClusterIdentifier", kit.ClusterId)]);
        Assert.True(test.ErrorCode is null, test.ToString());

        var accepted = await kit.UpdateAsync(kit.ClusterId, P("MasterUserPassword", kit.AdminPassword));
        Assert.True(accepted.ErrorCode is null, accepted.ToString());
    }

    [Fact]
    public async Task UpdateCluster_NothingToChange_OrUnknownCluster_IsRefused()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);

        Assert.Equal("InvalidParameterCombination", (await kit.UpdateAsync(kit.ClusterId)).ErrorCode);
        Assert.Equal("ClusterNotFound", (await kit.UpdateAsync("nosuchcluster", P("AllowPrivilegedDbUsers", "true"))).ErrorCode);
    }

    [Theory]
    [InlineData("127.0.0.1", "require")]
    [InlineData("127.10.20.30", "require")]
    [InlineData("::1", "require")]
    [InlineData("[::1]", "require")]
    [InlineData("localhost", "require")]
    [InlineData("LOCALHOST", "require")]
    [InlineData("::ffff:127.0.0.1", "require")]
    [InlineData("db1.example.com", "verify-full")]
    [InlineData("127.0.0.1.nip.io", "verify-full")]
    [InlineData("127.1", "verify-full")]
    [InlineData("10.0.0.5", "verify-full")]
    public void SslModeDefault_IsRequireOnlyForLoopback(string host, string expected) =>
        Assert.Equal(expected, ClusterSslModes.DefaultFor(host));

    [Theory]
    [InlineData("team_*", "team_a", true)]
    [InlineData("team_*", "team_", true)]
    [InlineData("team_*", "teams", false)]
    [InlineData("an?lysts", "analysts", true)]
    [InlineData("analysts", "analysts2", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    public void DbGroupPatterns_MatchWholeNames(string pattern, string group, bool expected) =>
        Assert.Equal(expected, DbGroupPatterns.Matches(pattern, group));
}
