using System.Diagnostics;
using System.Net;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.MultiNode;

/// <summary>
/// Two brokers on one PostgreSQL store, each caching access keys for five minutes: a key deactivated or deleted through
/// one is refused by the other within a second (LISTEN/NOTIFY), and a change the other missed while its listening
/// connection was down is not honoured late: reconnecting flushes its cache. Without the announcements the second node
/// would accept the key for the whole five minutes.
/// </summary>
public sealed class CrossNodeInvalidationTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan LongCache = TimeSpan.FromMinutes(5);

    private async Task<(TestBroker A, TestBroker B, string Database)> TwoNodesAsync()
    {
        var database = await postgres.CreateDatabaseAsync("invalidate");
        void Shared(BrokerOptions o)
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            o.CredentialCacheTtl = LongCache;
            o.ReaperEnabled = false;
        }

        var a = await TestBroker.StartAsync(Shared);
        var b = await TestBroker.StartAsync(Shared);
        await WaitListeningAsync(a);
        await WaitListeningAsync(b);
        return (a, b, database);
    }

    [Fact]
    public async Task KeyDeactivatedThroughOneNode_IsRefusedByTheOtherWithinOneSecond()
    {
        var (a, b, _) = await TwoNodesAsync();
        await using (a)
        await using (b)
        {
            var (user, key) = await StoreSeed.UserWithKeyAsync(a, "alice");
            Assert.Equal(HttpStatusCode.OK, (await b.CallAsync("sts", "GetCallerIdentity", credentials: key)).Status); // cached on B now

            var changed = await a.CallAsync("iam", "UpdateAccessKey", [new("UserName", user.UserName), new("AccessKeyId", key.AccessKeyId), new("Status", "Inactive")]);
            Assert.Equal(HttpStatusCode.OK, changed.Status);
            var delay = await TimeUntilRefusedAsync(b, key, TimeSpan.FromSeconds(10));

            Assert.True(delay < TimeSpan.FromSeconds(1), $"node B still accepted the deactivated key after {delay.TotalMilliseconds:F0} ms");
        }
    }

    [Fact]
    public async Task KeyDeletedThroughOneNode_IsRefusedByTheOtherWithinOneSecond()
    {
        var (a, b, _) = await TwoNodesAsync();
        await using (a)
        await using (b)
        {
            var (user, key) = await StoreSeed.UserWithKeyAsync(a, "bob");
            Assert.Equal(HttpStatusCode.OK, (await b.CallAsync("sts", "GetCallerIdentity", credentials: key)).Status);

            var deleted = await a.CallAsync("iam", "DeleteAccessKey", [new("UserName", user.UserName), new("AccessKeyId", key.AccessKeyId)]);
            Assert.Equal(HttpStatusCode.OK, deleted.Status);
            var delay = await TimeUntilRefusedAsync(b, key, TimeSpan.FromSeconds(10));

            Assert.True(delay < TimeSpan.FromSeconds(1), $"node B still accepted the deleted key after {delay.TotalMilliseconds:F0} ms");
        }
    }

    [Fact]
    public async Task ChangeMissedWhileNotListening_IsHonouredOnceTheListenerReconnects()
    {
        var (a, b, database) = await TwoNodesAsync();
        await using (a)
        await using (b)
        {
            var (_, key) = await StoreSeed.UserWithKeyAsync(a, "carol");
            Assert.Equal(HttpStatusCode.OK, (await b.CallAsync("sts", "GetCallerIdentity", credentials: key)).Status);

            // Deactivate the key without its announcement (triggers off for this session): B cannot hear of it ...
            await using var admin = postgres.CreateDataSource(database);
            await using (var silent = admin.CreateCommand(
                             $"SET session_replication_role = replica; UPDATE iam_access_keys SET status = 'Inactive' WHERE access_key_id = '{key.AccessKeyId}'"))
            {
                await silent.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            Assert.Equal(HttpStatusCode.OK, (await b.CallAsync("sts", "GetCallerIdentity", credentials: key)).Status);

            // ... until its listening connection breaks: the reconnect flushes what it may have missed.
            await using (var kill = admin.CreateCommand(
                             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             + "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query IN ('LISTEN iamdb_changes', 'SELECT 1')"))
            {
                Assert.True((long)(await kill.ExecuteScalarAsync(TestContext.Current.CancellationToken))! >= 1, "no listening connection was found");
            }

            var delay = await TimeUntilRefusedAsync(b, key, TimeSpan.FromSeconds(20));
            Assert.True(delay < TimeSpan.FromSeconds(20), "node B kept accepting a key it missed the deactivation of");
            await WaitListeningAsync(b);
        }
    }

    /// <summary>Polls <paramref name="node"/> with <paramref name="key"/> until it is refused; returns how long that took.</summary>
    internal static async Task<TimeSpan> TimeUntilRefusedAsync(TestBroker node, SigningCredentials key, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var reply = await node.CallAsync("sts", "GetCallerIdentity", credentials: key);
            if (reply.Status != HttpStatusCode.OK)
            {
                Assert.Equal("InvalidClientTokenId", reply.ErrorCode);
                return clock.Elapsed;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return limit;
    }

    private static async Task WaitListeningAsync(TestBroker node)
    {
        for (var i = 0; i < 100; i++)
        {
            using var response = await node.GetAsync(HealthEndpoint.ReadyPath);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            if (json.RootElement.GetProperty("changes").GetString() == "listening")
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the node never started listening to the store's announcements");
    }
}
