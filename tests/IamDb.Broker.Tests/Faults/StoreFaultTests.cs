using System.Net;
using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Faults;

/// <summary>
/// The broker on a PostgreSQL store reached through a <see cref="TcpFaultProxy"/>: while the store is unreachable every
/// request is answered AWS's <c>ServiceUnavailable</c> (503, XML, request id) — the aws CLI shows that code, never a 500 —
/// and the broker recovers by itself when the store is back. Under dropped, torn and delayed connections during a burst,
/// nothing acknowledged is lost: every acknowledged write is in the store and every acknowledged request has its audit record.
/// </summary>
public sealed class StoreFaultTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task StoreUnreachable_EveryRequestIsServiceUnavailable_TheAwsCliSaysSo_AndTheBrokerRecoversByItself()
    {
        await using var proxy = TcpFaultProxy.Start(postgres.Server.Host, postgres.Server.Port);
        await using var broker = await StartOnProxyAsync(proxy);
        var cli = broker.Cli();
        Assert.Equal(0, (await cli.RunAsync("sts get-caller-identity", TestContext.Current.CancellationToken)).ExitCode);

        proxy.Refusing = true;
        proxy.DropAll();

        // The signing-secret lookup is the first store access of every request (the key cache is off in TestBroker).
        foreach (var command in new[] { "sts get-caller-identity", "iam list-users", "iam create-user --user-name during-outage" })
        {
            var result = await cli.RunAsync(command, TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode is 254 or 255, $"aws exited with {result.ExitCode}: {result.Stderr}"); // 255 from CLI v1
            Assert.Contains("(ServiceUnavailable)", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("(500)", result.Stderr, StringComparison.Ordinal);
        }

        var raw = await broker.CallAsync("iam", "ListUsers");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, raw.Status);
        Assert.Equal("ServiceUnavailable", raw.ErrorCode);
        Assert.Equal("text/xml", raw.ContentType);
        Assert.NotNull(raw.RequestId);
        Assert.Equal(raw.RequestId, raw.Find("RequestId"));
        Assert.Equal("Receiver", raw.Find("Type"));

        proxy.Heal();
        var recovered = await WaitForRecoveryAsync(broker);
        var cliAgain = await cli.RunAsync("iam list-users", TestContext.Current.CancellationToken);
        Assert.True(cliAgain.ExitCode == 0, cliAgain.Stderr);
        Assert.DoesNotContain(broker.Logs.Lines, l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
        Assert.Contains(recovered, (await broker.AuditAsync()).Select(r => r.RequestId));
    }

    [Fact]
    public async Task DroppedTornAndDelayedStoreConnections_DuringABurst_AnswerLikeAws_AndLoseNothingAcknowledged()
    {
        const int Users = 120;
        const int Workers = 8;
        await using var proxy = TcpFaultProxy.Start(postgres.Server.Host, postgres.Server.Port);
        await using var broker = await StartOnProxyAsync(proxy);
        var tally = new FaultTally();
        var createdUsers = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var next = -1;

        async Task WorkAsync()
        {
            int i;
            while (!bound.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < Users)
            {
                var name = $"fault-{i:D3}";
                if (tally.Record(await broker.CallAsync("iam", "CreateUser", [new("UserName", name)])))
                {
                    createdUsers.Add(name);
                }

                tally.Record(await broker.CallAsync("sts", "GetCallerIdentity"));
            }
        }

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)).ToList();
        var chaos = Task.Run(() => ChaosAsync(proxy, Task.WhenAll(workers), bound.Token), TestContext.Current.CancellationToken);
        await Task.WhenAll(workers);
        await chaos;
        proxy.Heal();
        await WaitForRecoveryAsync(broker);

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine(tally.Summary("store behind the fault proxy") + $"; proxy resets {proxy.Resets}, cuts {proxy.Cuts}");
        foreach (var line in broker.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).Take(3))
        {
            output?.WriteLine(line.Length > 1500 ? line[..1500] : line);
        }

        Assert.False(bound.IsCancellationRequested, "the burst did not finish within its time bound");
        Assert.True(proxy.Resets + proxy.Cuts > 0, "no fault was injected");
        Assert.True(tally.Refused > 0, "no request met a fault: the burst proves nothing");
        Assert.True(tally.Acknowledged > 0, "nothing was acknowledged");
        tally.AssertOnlyServiceUnavailable();

        var list = await broker.CallAsync("iam", "ListUsers", [new("MaxItems", "1000")]);
        var present = list.All("UserName").Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(createdUsers.Except(present, StringComparer.Ordinal));
        var audited = (await broker.AuditAsync()).Select(r => r.RequestId).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(tally.AcknowledgedRequestIds.Except(audited, StringComparer.Ordinal));
        Assert.DoesNotContain(broker.Logs.Lines, l => l.Contains("failed unexpectedly", StringComparison.Ordinal));
        Assert.DoesNotContain(broker.Root.SecretAccessKey, broker.Logs.All, StringComparison.Ordinal);
    }

    // Cycles through the faults until the burst is done, each followed by a quiet moment so some requests get through:
    // reset every connection, tear one statement (or TLS record) after a random number of bytes, slow every chunk down,
    // refuse connections for a moment.
    internal static async Task ChaosAsync(TcpFaultProxy proxy, Task burst, CancellationToken ct)
    {
        var random = new Random(1234);
        for (var step = 0; !burst.IsCompleted && !ct.IsCancellationRequested; step++)
        {
            switch (step % 4)
            {
                case 0:
                    proxy.DropAll();
                    break;
                case 1:
                    proxy.CutAfter(random.Next(20, 4000));
                    break;
                case 2:
                    proxy.Delay = TimeSpan.FromMilliseconds(20);
                    await Task.WhenAny(burst, Task.Delay(200, ct));
                    proxy.Delay = TimeSpan.Zero;
                    break;
                default:
                    proxy.Refusing = true;
                    proxy.DropAll();
                    await Task.WhenAny(burst, Task.Delay(100, ct));
                    proxy.Refusing = false;
                    break;
            }

            await Task.WhenAny(burst, Task.Delay(400, ct));
        }

        proxy.Heal();
    }

    private async Task<TestBroker> StartOnProxyAsync(TcpFaultProxy proxy)
    {
        var database = await postgres.CreateDatabaseAsync("faultstore");
        var connectionString = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString(database))
        {
            Host = proxy.Host,
            Port = proxy.Port,
            Timeout = 5,
            CommandTimeout = 15,
        }.ConnectionString;
        return await TestBroker.StartAsync(o =>
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = connectionString;
            o.ReaperEnabled = false;
        });
    }

    // The store is back: the first requests may still meet connections the pool kept from before; within 30 s one succeeds.
    private static async Task<string> WaitForRecoveryAsync(TestBroker broker)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var reply = await broker.CallAsync("sts", "GetCallerIdentity");
            if (reply.Status == HttpStatusCode.OK)
            {
                return reply.RequestId!;
            }

            Assert.Equal("ServiceUnavailable", reply.ErrorCode);
            Assert.True(DateTime.UtcNow < until, "the broker did not recover within 30 s of the store coming back");
            await Task.Delay(200);
        }
    }
}
