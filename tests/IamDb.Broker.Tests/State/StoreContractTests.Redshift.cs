using System.Text.Json;
using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Redshift;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Clusters_CreateGetListUpdateDelete_WithEncryptedAdminPassword()
    {
        var account = NewAccount();
        var cluster = Cluster(account, "analytics", PlainSecret) with { Tags = [new("env", "prod")] };
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Clusters.CreateAsync(cluster, ct);
                await w.Clusters.CreateAsync(Cluster(account, "billing"), ct);
            },
            Ct);

        var read = await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "ANALYTICS", ct), Ct);
        var stored = (byte[])(await ScalarAsync($"SELECT admin_password FROM redshift_clusters WHERE account_id = '{account}' AND identifier = 'analytics'"))!;
        var e = await Assert.ThrowsAsync<EntityAlreadyExistsException>(
            () => Store.WriteAsync((w, ct) => w.Clusters.CreateAsync(Cluster(account, "Analytics"), ct), Ct));
        var page = await Store.ReadAsync((r, ct) => r.Clusters.ListAsync(account, new PageRequest(MaxItems: 1), ct), Ct);

        Assert.Equal(cluster with { Tags = read!.Tags, AllowedDbGroups = read.AllowedDbGroups }, read);
        Assert.Equal(PlainSecret, read.AdminPassword.Reveal());
        Assert.DoesNotContain(PlainSecret, System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain(PlainSecret, read.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(PlainSecret, e.Message, StringComparison.Ordinal);
        Assert.Equal(["analytics"], page.Items.Select(c => c.ClusterIdentifier));
        Assert.True(page.IsTruncated);

        Assert.True(await Store.WriteAsync((w, ct) => w.Clusters.UpdateAsync(cluster with { Port = 6543, AdminPassword = new("new-pw") }, ct), Ct));
        var updated = await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "analytics", ct), Ct);
        Assert.Equal((6543, "new-pw"), (updated!.Port, updated.AdminPassword.Reveal()));
        Assert.True(await Store.WriteAsync((w, ct) => w.Clusters.DeleteAsync(account, "analytics", ct), Ct));
        Assert.Null(await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "analytics", ct), Ct));
    }

    [Fact]
    public async Task Clusters_SecuritySettings_DefaultByHost_RoundTripAndUpdate()
    {
        var account = NewAccount();
        const string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        var loopback = Cluster(account, "loop");
        var remote = new RedshiftCluster(account, "remote", "us-east-1", "db1.example.com", 5432, "dev", "postgres", new("pw-123456789"), Now);
        var configured = Cluster(account, "configured") with
        {
            Host = "db2.example.com",
            SslMode = ClusterSslModes.VerifyCa,
            SslRootCertificate = pem,
            AllowedDbGroups = ["analysts", "team_*"],
            AllowPrivilegedDbUsers = true,
        };
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Clusters.CreateAsync(loopback, ct);
                await w.Clusters.CreateAsync(remote, ct);
                await w.Clusters.CreateAsync(configured, ct);
            },
            Ct);

        var readLoop = await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "loop", ct), Ct);
        var readRemote = await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "remote", ct), Ct);
        var readConfigured = await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "configured", ct), Ct);

        Assert.Equal((ClusterSslModes.Require, null, 0, false), (readLoop!.SslMode, readLoop.SslRootCertificate, readLoop.AllowedDbGroups.Count, readLoop.AllowPrivilegedDbUsers));
        Assert.Equal((ClusterSslModes.VerifyFull, null), (readRemote!.SslMode, readRemote.SslRootCertificate));
        Assert.Equal((ClusterSslModes.VerifyCa, pem, true), (readConfigured!.SslMode, readConfigured.SslRootCertificate, readConfigured.AllowPrivilegedDbUsers));
        Assert.Equal(["analysts", "team_*"], readConfigured.AllowedDbGroups);

        Assert.True(await Store.WriteAsync(
            (w, ct) => w.Clusters.UpdateAsync(readConfigured with { SslMode = ClusterSslModes.VerifyFull, SslRootCertificate = null, AllowedDbGroups = [], AllowPrivilegedDbUsers = false }, ct), Ct));
        var updated = await Store.ReadAsync((r, ct) => r.Clusters.GetAsync(account, "configured", ct), Ct);
        Assert.Equal((ClusterSslModes.VerifyFull, null, 0, false), (updated!.SslMode, updated.SslRootCertificate, updated.AllowedDbGroups.Count, updated.AllowPrivilegedDbUsers));
    }

    [Fact]
    public async Task Credentials_ListFiltersAndPagesNewestFirst_AndReaperQueriesWork()
    {
        var account = NewAccount();
        var alice = $"arn:aws:iam::{account}:user/alice";
        var bob = $"arn:aws:iam::{account}:user/bob";
        var issued = new List<IssuedCredential>();
        for (var i = 0; i < 5; i++)
        {
            // Two share a timestamp, so the tie-breaker must page correctly.
            issued.Add(Credential(account, i % 2 == 0 ? "main" : "side", i < 3 ? alice : bob, Now.AddMinutes(i == 4 ? 3 : i)) with { DbGroups = ["readers"], DbName = "dev" });
        }

        await Store.WriteAsync(
            async (w, ct) =>
            {
                foreach (var credential in issued)
                {
                    await w.Credentials.RecordAsync(credential, ct);
                }
            },
            Ct);

        var all = new List<IssuedCredential>();
        var page = new PageRequest(MaxItems: 2);
        do
        {
            var result = await Store.ReadAsync((r, ct) => r.Credentials.ListAsync(new CredentialQuery(account), page, ct), Ct);
            all.AddRange(result.Items);
            page = page with { Marker = result.NextMarker };
        }
        while (page.Marker is not null);

        Assert.Equal(5, all.Select(c => c.RequestId).Distinct().Count());
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.IssuedAt >= p.Second.IssuedAt));
        Assert.Equal(["readers"], all[0].DbGroups);

        var aliceOnMain = await Store.ReadAsync(
            (r, ct) => r.Credentials.ListAsync(new CredentialQuery(account) { PrincipalArn = alice, ClusterIdentifier = "MAIN" }, PageRequest.First, ct), Ct);
        Assert.Equal(2, aliceOnMain.Items.Count);

        await Store.WriteAsync(
            async (w, ct) =>
            {
                Assert.True(await w.Credentials.RevokeAsync(issued[4].RequestId, Now.AddMinutes(4), ct));
                Assert.False(await w.Credentials.RevokeAsync(issued[4].RequestId, Now.AddMinutes(5), ct));
            },
            Ct);
        var activeAt = Now.AddMinutes(16);
        var active = await Store.ReadAsync((r, ct) => r.Credentials.ListAsync(new CredentialQuery(account) { ActiveAt = activeAt }, PageRequest.First, ct), Ct);
        Assert.Equal([issued[3].RequestId, issued[2].RequestId], active.Items.Select(c => c.RequestId));

        var reapable = await Store.ReadAsync((r, ct) => r.Credentials.ListReapableAsync(activeAt, 100, ct), Ct);
        var mine = reapable.Where(c => c.AccountId == account).Select(c => c.RequestId).ToList();
        Assert.Equal(new[] { issued[0].RequestId, issued[1].RequestId, issued[4].RequestId }.Order(), mine.Order());
        Assert.True(await Store.WriteAsync((w, ct) => w.Credentials.MarkReapedAsync(issued[0].RequestId, activeAt, ct), Ct));
        Assert.Equal(activeAt, (await Store.ReadAsync((r, ct) => r.Credentials.GetAsync(issued[0].RequestId, ct), Ct))?.ReapedAt);
        Assert.DoesNotContain(
            issued[0].RequestId,
            (await Store.ReadAsync((r, ct) => r.Credentials.ListReapableAsync(activeAt, 100, ct), Ct)).Select(c => c.RequestId));
    }

    [Fact]
    public async Task Audit_AppendThenQuery_FiltersByTimePrincipalActionOutcomeAndPagesNewestFirst()
    {
        var account = NewAccount();
        var alice = $"arn:aws:iam::{account}:user/alice";
        var bob = $"arn:aws:iam::{account}:user/bob";
        var trace = JsonSerializer.SerializeToElement(new { decision = "Allow", statement = "arn:aws:iam::aws:policy/X#0" });
        var records = new List<AuditRecord>
        {
            StoreTestData.Audit(account, "CreateUser", Now, alice) with
            {
                UserAgent = "aws-cli/2",
                RequestParameters = JsonSerializer.SerializeToElement(new { userName = "eve" }),
                DecisionTrace = trace,
            },
            StoreTestData.Audit(account, "GetClusterCredentials", Now.AddSeconds(1), alice, "AccessDenied"),
            StoreTestData.Audit(account, "GetClusterCredentials", Now.AddSeconds(1), bob),
            StoreTestData.Audit(account, "GetClusterCredentials", Now.AddSeconds(2), bob),
            StoreTestData.Audit(account, "DeleteUser", Now.AddSeconds(3), alice),
        };
        foreach (var record in records)
        {
            await Store.WriteAsync((w, ct) => w.Audit.AppendAsync(record, ct), Ct);
        }

        Task<Page<AuditRecord>> Query(AuditQuery query, PageRequest? page = null) =>
            Store.ReadAsync((r, ct) => r.Audit.QueryAsync(query with { AccountId = account }, page ?? PageRequest.First, ct), Ct);

        var everything = await Query(new AuditQuery());
        Assert.Equal(["DeleteUser", "GetClusterCredentials", "GetClusterCredentials", "GetClusterCredentials", "CreateUser"], everything.Items.Select(r => r.EventName));
        var first = everything.Items[^1];
        Assert.Equal(records[0] with { RequestParameters = first.RequestParameters, DecisionTrace = first.DecisionTrace }, first);
        Assert.Equal("eve", first.RequestParameters?.GetProperty("userName").GetString());
        Assert.Equal("Allow", first.DecisionTrace?.GetProperty("decision").GetString());

        Assert.Equal(3, (await Query(new AuditQuery { PrincipalArn = alice })).Items.Count);
        Assert.Equal(3, (await Query(new AuditQuery { EventName = "GetClusterCredentials" })).Items.Count);
        Assert.Equal(["AccessDenied"], (await Query(new AuditQuery { Outcome = AuditOutcome.Error })).Items.Select(r => r.ErrorCode));
        Assert.Equal(4, (await Query(new AuditQuery { Outcome = AuditOutcome.Success })).Items.Count);
        Assert.Equal(3, (await Query(new AuditQuery { From = Now.AddSeconds(1), To = Now.AddSeconds(3) })).Items.Count);

        var paged = new List<string>();
        var page = new PageRequest(MaxItems: 2);
        do
        {
            var result = await Query(new AuditQuery(), page);
            paged.AddRange(result.Items.Select(r => r.EventId));
            page = page with { Marker = result.NextMarker };
        }
        while (page.Marker is not null);
        Assert.Equal(everything.Items.Select(r => r.EventId), paged);
    }
}
