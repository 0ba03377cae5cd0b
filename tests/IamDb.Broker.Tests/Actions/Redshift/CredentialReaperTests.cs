using System.Net;
using System.Net.Sockets;
using IamDb.Broker.Reaper;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>
/// The reaper, driven by a <see cref="FakeTimeProvider"/>, on a PostgreSQL server of this class's own: its clock runs
/// ahead of the world, so it must not meet other tests' login roles.
/// </summary>
public sealed class CredentialReaperTests(PrivatePostgresServer server) : IClassFixture<PrivatePostgresServer>
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private static CredentialReaper Reaper(RedshiftTestKit kit) => (CredentialReaper)kit.Broker.Host.Services.GetService(typeof(CredentialReaper))!;

    private static async Task<ReaperPass> ReapUntilAsync(RedshiftTestKit kit, Func<Task<bool>> done)
    {
        // A closed connection's backend leaves pg_stat_activity a moment later; bounded retries, no timing assertions.
        var total = new ReaperPass();
        for (var i = 0; i < 50; i++)
        {
            var pass = await Reaper(kit).RunOnceAsync(CancellationToken.None);
            total.Dropped += pass.Dropped;
            total.DroppedUnrecorded += pass.DroppedUnrecorded;
            total.Marked += pass.Marked;
            total.FailedClusters = Math.Max(total.FailedClusters, pass.FailedClusters);
            if (await done())
            {
                break;
            }

            await Task.Delay(100);
        }

        return total;
    }

    [Fact]
    public async Task ExpiredRole_StaysWhileASessionIsOpen_AndIsDroppedWhenItEnds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kit = await RedshiftTestKit.StartAsync(server.Fixture, time: time);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var issued = await kit.GetCredentialsAsync(user);
        var login = issued.Find("DbUser")!;
        var session = await kit.ConnectAsync(login, issued.Find("DbPassword")!);

        time.Advance(TimeSpan.FromHours(1));
        var pass = await Reaper(kit).RunOnceAsync(CancellationToken.None);

        Assert.True(pass.Waiting >= 1);
        Assert.True(await kit.RoleExistsAsync(login));
        await using (var command = new NpgsqlCommand("SELECT current_user", session))
        {
            Assert.Equal(user, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken)); // an open session keeps working after expiry
        }

        await session.DisposeAsync();
        await ReapUntilAsync(kit, async () => !await kit.RoleExistsAsync(login));

        Assert.False(await kit.RoleExistsAsync(login));
        var credential = await kit.Broker.Store.ReadAsync((r, c) => r.Credentials.GetAsync(issued.RequestId!, c), TestContext.Current.CancellationToken);
        Assert.NotNull(credential!.ReapedAt);
        var again = await Reaper(kit).RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, again.Dropped);
    }

    [Fact]
    public async Task MaxSessionAge_TerminatesOldSessionsThenDrops()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kit = await RedshiftTestKit.StartAsync(server.Fixture, configure: o => o.MaxSessionAge = TimeSpan.FromMinutes(30), time: time);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var issued = await kit.GetCredentialsAsync(user);
        var login = issued.Find("DbUser")!;
        await using var session = await kit.ConnectAsync(login, issued.Find("DbPassword")!);

        time.Advance(TimeSpan.FromHours(2));
        await ReapUntilAsync(kit, async () => !await kit.RoleExistsAsync(login));

        Assert.False(await kit.RoleExistsAsync(login));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT 1", session);
            await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        });
    }

    [Fact]
    public async Task RolesTheStoreLost_AreFoundByTheirMarker_OtherRolesAreLeftAlone()
    {
        var bystander = Unique("by");
        string login;
        await using (var first = await RedshiftTestKit.StartAsync(server.Fixture))
        {
            var user = Unique("u");
            await first.EnsureRoleAsync(user);
            await first.ExecAsync($"CREATE ROLE \"{bystander}\" LOGIN VALID UNTIL '2000-01-01'");
            var issued = await first.GetCredentialsAsync(user);
            login = issued.Find("DbUser")!;
        }

        // A new broker with an empty store, on the same server, an hour later.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var second = await RedshiftTestKit.StartAsync(server.Fixture, time: time);
        time.Advance(TimeSpan.FromHours(1));
        var pass = await ReapUntilAsync(second, async () => !await second.RoleExistsAsync(login));

        Assert.False(await second.RoleExistsAsync(login));
        Assert.True(await second.RoleExistsAsync(bystander));
        Assert.True(pass.DroppedUnrecorded >= 1, "the role was unknown to the second broker's store");
    }

    [Fact]
    public async Task AfterARestart_TheReaperResumes_AndAFailingClusterDoesNotStopTheOthers()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-reaper-").FullName;
        string login;
        string requestId;
        var start = DateTimeOffset.UtcNow;
        await using (var first = await RedshiftTestKit.StartAsync(server.Fixture, configure: o => o.DataDirectory = directory, time: new FakeTimeProvider(start)))
        {
            var user = Unique("u");
            await first.EnsureRoleAsync(user);
            var issued = await first.GetCredentialsAsync(user);
            (login, requestId) = (issued.Find("DbUser")!, issued.RequestId!);
            int closed;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                closed = ((IPEndPoint)listener.LocalEndpoint).Port;
            }

            var down = new RedshiftCluster(first.Broker.AccountId, "aaa-down", "us-east-1", "127.0.0.1", closed, "postgres", "postgres",
                new SecretString("irrelevant"), start);
            await first.Broker.Store.WriteAsync((w, c) => w.Clusters.CreateAsync(down, c), TestContext.Current.CancellationToken);
        }

        var later = new FakeTimeProvider(start.AddHours(1));
        var second = await TestBrokerOn(directory, later);
        await using (second)
        {
            var pass = await ReapUntilAsync(second, async () => !await second.RoleExistsAsync(login));
            Assert.False(await second.RoleExistsAsync(login));
            Assert.True(pass.FailedClusters >= 1);
            var credential = await second.Broker.Store.ReadAsync((r, c) => r.Credentials.GetAsync(requestId, c), TestContext.Current.CancellationToken);
            Assert.NotNull(credential!.ReapedAt);
            Assert.DoesNotContain("irrelevant", second.Broker.Logs.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheHostedReaper_RunsOnItsInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var kit = await RedshiftTestKit.StartAsync(server.Fixture, configure: o =>
        {
            o.ReaperEnabled = true;
            o.ReaperInterval = TimeSpan.FromSeconds(30);
        }, time: time);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var login = (await kit.GetCredentialsAsync(user)).Find("DbUser")!;
        time.Advance(TimeSpan.FromHours(1));

        for (var i = 0; i < 100 && await kit.RoleExistsAsync(login); i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(await kit.RoleExistsAsync(login));
    }

    /// <summary>A kit over an existing data directory whose cluster is already registered.</summary>
    private async Task<RedshiftTestKit> TestBrokerOn(string directory, TimeProvider time) =>
        await RedshiftTestKit.OpenAsync(server.Fixture, directory, time);
}
