using System.Net;
using System.Text.Json;
using IamDb.Broker.Hosting;
using IamDb.Broker.Reaper;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.MultiNode;

/// <summary>
/// The reaper lease: one holder at a time, renewals keep it, and a dead holder's lease is taken over once it expires,
/// well within a minute. The clock is a <see cref="FakeTimeProvider"/>; the store is a real PostgreSQL database.
/// </summary>
public sealed class ReaperLeaseTests(PostgresServerFixture postgres)
{
    private async Task<PostgresStateStore> OpenStoreAsync()
    {
        var database = await postgres.CreateDatabaseAsync("lease");
        return await PostgresStateStore.OpenAsync(
            NpgsqlDataSource.Create(postgres.Server.ConnectionString(database)), new SecretProtector(MasterKey.Generate()), ownsDataSource: true);
    }

    [Fact]
    public async Task Lease_HeldAndRenewedByOne_IsTakenOverWhenItsHolderStopsRenewing()
    {
        await using var store = await OpenStoreAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = new ReaperLease(store, time, "node-a");
        var b = new ReaperLease(store, time, "node-b");
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await a.TryHoldAsync(ct));
        Assert.False(await b.TryHoldAsync(ct));

        // A renews on its cadence: B never gets in, even after more than one lease duration in all.
        for (var i = 0; i < 6; i++)
        {
            time.Advance(ReaperLease.RenewEvery);
            Assert.True(await a.TryHoldAsync(ct));
            Assert.False(await b.TryHoldAsync(ct));
        }

        // A dies (no more renewals). Until its last renewal expires B waits; then B takes over.
        var died = time.GetUtcNow();
        time.Advance(ReaperLease.Duration - TimeSpan.FromSeconds(1));
        Assert.False(await b.TryHoldAsync(ct));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await b.TryHoldAsync(ct));
        Assert.True(time.GetUtcNow() - died < TimeSpan.FromMinutes(1));

        // The old holder, back from the dead, does not get it back while B renews.
        Assert.False(await a.TryHoldAsync(ct));
        Assert.False(a.Held);
    }

    [Fact]
    public async Task SqliteStore_SameLeaseRules()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-lease-").FullName;
        try
        {
            await using var store = await SqliteStateStore.OpenAsync(
                Path.Combine(directory, "state.db"), new SecretProtector(MasterKey.Generate()), cancellationToken: TestContext.Current.CancellationToken);
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var a = new ReaperLease(store, time, "node-a");
            var b = new ReaperLease(store, time, "node-b");
            var ct = TestContext.Current.CancellationToken;

            Assert.True(await a.TryHoldAsync(ct));
            Assert.False(await b.TryHoldAsync(ct));
            time.Advance(ReaperLease.Duration);
            Assert.True(await b.TryHoldAsync(ct));
            Assert.False(await a.TryHoldAsync(ct));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Release_LetsAnotherNodeTakeTheLeaseAtOnce()
    {
        await using var store = await OpenStoreAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var a = new ReaperLease(store, time, "node-a");
        var b = new ReaperLease(store, time, "node-b");
        var ct = TestContext.Current.CancellationToken;
        Assert.True(await a.TryHoldAsync(ct));

        await a.ReleaseAsync(ct);

        Assert.True(await b.TryHoldAsync(ct));
        Assert.False(await a.TryHoldAsync(ct));
    }

    [Fact]
    public async Task ManyNodesRacingForAFreeLease_ExactlyOneGetsIt()
    {
        await using var store = await OpenStoreAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            new ReaperLease(store, time, "node-" + i).TryHoldAsync(TestContext.Current.CancellationToken)));

        Assert.Single(results, held => held);
    }

    [Fact]
    public async Task TwoBrokers_OneReaps_AndTheOtherTakesOverWhenItStops()
    {
        var database = await postgres.CreateDatabaseAsync("reaperlease");
        void Shared(BrokerOptions o)
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            o.ReaperEnabled = true;
            o.ReaperInterval = TimeSpan.FromSeconds(1);
        }

        var first = await TestBroker.StartAsync(Shared);
        await using var second = await TestBroker.StartAsync(Shared);
        try
        {
            var roles = await WaitForAsync(async () => (await ReaperRoleAsync(first), await ReaperRoleAsync(second)), r => r.Item1 != r.Item2);
            Assert.Contains("active", new[] { roles.Item1, roles.Item2 });
            Assert.Contains("standby", new[] { roles.Item1, roles.Item2 });
            var (active, standby) = roles.Item1 == "active" ? (first, second) : (second, first);

            await active.DisposeAsync();

            Assert.Equal("active", await WaitForAsync(() => ReaperRoleAsync(standby), r => r == "active"));
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    private static async Task<string?> ReaperRoleAsync(TestBroker broker)
    {
        using var response = await broker.GetAsync(HealthEndpoint.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return json.RootElement.GetProperty("reaper").GetString();
    }

    // Bounded: a standby renews every ReaperLease.RenewEvery (10 s), so 30 s is ample.
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var value = await read();
        for (var i = 0; i < 300 && !done(value); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            value = await read();
        }

        return value;
    }
}
