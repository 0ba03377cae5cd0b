using System.Collections.Concurrent;
using IamDb.Broker.Actions.Redshift;
using IamDb.Broker.Reaper;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Broker.Tests.Support;
using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Broker.Tests.Faults;

/// <summary>
/// GetClusterCredentials against a cluster of the test's own, reached through a <see cref="TcpFaultProxy"/>, while its
/// connections are dropped, torn mid-statement and delayed, and then while the cluster is killed with SIGKILL and started
/// again. Every refusal is AWS-shaped (<c>ServiceUnavailable</c>); every acknowledged credential is a role on the cluster
/// and a record in the store, with its audit record; and a reaper pass one interval after the credentials' expiry leaves
/// no IamDb role on the cluster — including the roles no store knows (found by their marker).
/// </summary>
public sealed class ClusterFaultTests
{
    private static readonly TimeSpan ReaperInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ClusterFaultsAndAKillDuringIssuance_AnswerLikeAws_AndNoRoleOutlivesItsExpiryByMoreThanOneReaperInterval()
    {
        await using var cluster = await RestartablePostgres.StartAsync();
        await cluster.QueryAsync("CREATE ROLE app NOLOGIN");
        await using var proxy = TcpFaultProxy.Start(cluster.Host, cluster.Port);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(
            o =>
            {
                o.ReaperEnabled = false; // passes are run below, at chosen instants of the fake clock
                o.ReaperInterval = ReaperInterval;
            },
            time);
        var registered = await broker.CallAsync("redshift", "RegisterCluster",
        [
            new("ClusterIdentifier", "faulty"),
            new("Host", proxy.Host),
            new("Port", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("DBName", "postgres"),
            new("MasterUsername", cluster.Server.SuperUser),
            new("MasterUserPassword", cluster.SuperUserPassword),
        ]);
        Assert.True(registered.ErrorCode is null, registered.ToString());
        var issued = new ConcurrentDictionary<string, string>(StringComparer.Ordinal); // request id → DbUser

        // Scenario 1: dropped, torn and delayed connections to the cluster.
        var network = new FaultTally();
        await BurstAsync(broker, network, issued, requests: 60, during: burst => StoreFaultTests.ChaosAsync(proxy, burst, CancellationToken.None));
        proxy.Heal();

        // Scenario 2: the cluster's PostgreSQL killed with SIGKILL mid-burst, started again once the burst is over.
        var killed = new FaultTally();
        await BurstAsync(broker, killed, issued, requests: 40, during: async burst =>
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            while (killed.Acknowledged < 10 && !burst.IsCompleted && DateTime.UtcNow < until)
            {
                await Task.Delay(20);
            }

            await cluster.KillHardAsync();
        });
        await cluster.StartAgainAsync();
        var recovered = await WaitForIssuanceAsync(broker, killed, issued);

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine(network.Summary("cluster behind the fault proxy") + $"; proxy resets {proxy.Resets}, cuts {proxy.Cuts}");
        output?.WriteLine(killed.Summary("cluster killed with SIGKILL mid-burst") + $"; recovered after {recovered} retries");
        foreach (var tally in new[] { network, killed })
        {
            Assert.True(tally.Refused > 0, "no request met a fault: the burst proves nothing");
            Assert.True(tally.Acknowledged > 0, "nothing was acknowledged");
            tally.AssertOnlyServiceUnavailable();
        }

        // Every acknowledged credential is a role on the cluster and a record in the store, and its request was audited.
        var store = broker.Store;
        var accountId = broker.AccountId;
        var managed = await ManagedRolesAsync(cluster);
        var audited = (await broker.AuditAsync()).Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
        foreach (var (requestId, dbUser) in issued)
        {
            var record = await store.ReadAsync((r, ct) => r.Credentials.GetAsync(requestId, ct), TestContext.Current.CancellationToken);
            Assert.True(record is not null, $"acknowledged credential {dbUser} has no record in the store");
            Assert.Equal(dbUser, record.LoginRoleName);
            Assert.Contains(dbUser, managed);
            Assert.Contains(requestId, audited);
        }

        // A broker that died between the cluster's commit and the store's leaves a role that only its marker names.
        var faulty = await store.ReadAsync((r, ct) => r.Clusters.GetAsync(accountId, "faulty", ct), TestContext.Current.CancellationToken);
        var administration = broker.Host.Services.GetRequiredService<IClusterAdministration>();
        await administration.IssueAsync(faulty!.Endpoint(), new CredentialRequest("app", null, [], false, time.GetUtcNow().AddSeconds(900), "IAM:"), CancellationToken.None);
        var recorded = (await store.ReadAsync((r, ct) => Pages.ReadAllAsync(p => r.Credentials.ListAsync(new CredentialQuery(accountId), p, ct)), TestContext.Current.CancellationToken))
            .Select(c => c.LoginRoleName).ToHashSet(StringComparer.Ordinal);
        managed = await ManagedRolesAsync(cluster);
        var unrecorded = managed.Except(recorded, StringComparer.Ordinal).ToList();
        output?.WriteLine($"roles on the cluster: {managed.Count}; recorded in the store: {recorded.Count}; known only by their marker: {unrecorded.Count}");
        Assert.NotEmpty(unrecorded);

        // Every credential was issued at the same fake instant with the default 900 s: a pass before expiry drops nothing,
        // a pass one reaper interval after it drops every role, recorded or not.
        var reaper = broker.Host.Services.GetRequiredService<CredentialReaper>();
        time.Advance(TimeSpan.FromSeconds(899));
        var early = await reaper.RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, early.Dropped);
        time.Advance(TimeSpan.FromSeconds(1) + ReaperInterval);
        var pass = await reaper.RunOnceAsync(CancellationToken.None);
        output?.WriteLine($"reaper pass one interval after expiry: dropped {pass.Dropped} ({pass.DroppedUnrecorded} by marker only), {pass.FailedClusters} clusters failed");
        Assert.Equal(0, pass.FailedClusters);
        Assert.Equal(managed.Count, pass.Dropped);
        Assert.Equal(unrecorded.Count, pass.DroppedUnrecorded);
        Assert.Empty(await ManagedRolesAsync(cluster));
        Assert.Empty(await store.ReadAsync((r, ct) => r.Credentials.ListReapableAsync(time.GetUtcNow(), 100, ct), TestContext.Current.CancellationToken));
        Assert.DoesNotContain(broker.Logs.Lines, l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
    }

    // GetClusterCredentials from 6 workers, `requests` in all (at most 120 s), with `during` injecting faults meanwhile.
    private static async Task BurstAsync(
        TestBroker broker, FaultTally tally, ConcurrentDictionary<string, string> issued, int requests, Func<Task, Task> during)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var next = -1;
        async Task WorkAsync()
        {
            while (!bound.IsCancellationRequested && Interlocked.Increment(ref next) < requests)
            {
                await IssueOnceAsync(broker, tally, issued);
            }
        }

        var workers = Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(WorkAsync)));
        var faults = Task.Run(() => during(workers));
        await workers;
        await faults;
        Assert.False(bound.IsCancellationRequested, "the burst did not finish within its time bound");
    }

    private static async Task<bool> IssueOnceAsync(TestBroker broker, FaultTally tally, ConcurrentDictionary<string, string> issued)
    {
        var reply = await broker.CallAsync("redshift", "GetClusterCredentials", [new("ClusterIdentifier", "faulty"), new("DbUser", "app")]);
        if (!tally.Record(reply))
        {
            return false;
        }

        issued[reply.RequestId!] = reply.Find("DbUser")!;
        return true;
    }

    // After a restart the pool's old connections fail once; within 60 s issuance works again. Returns the refusals on the way.
    private static async Task<int> WaitForIssuanceAsync(TestBroker broker, FaultTally tally, ConcurrentDictionary<string, string> issued)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        for (var refusals = 0; ; refusals++)
        {
            if (await IssueOnceAsync(broker, tally, issued))
            {
                return refusals;
            }

            Assert.True(DateTime.UtcNow < until, "issuance did not recover within 60 s of the cluster's restart");
            await Task.Delay(200);
        }
    }

    // IamDb's login roles on the cluster, found the way the reaper finds them: by the marker in their comment.
    private static async Task<List<string>> ManagedRolesAsync(RestartablePostgres cluster) =>
        [.. (await cluster.QueryAsync(
                "SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass "
                + "WHERE d.description LIKE 'iamdb:credential:v1 %'"))
            .Select(row => (string)row[0]!)];
}
