using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.MultiNode;

/// <summary>
/// The account lives in the store: the first node records it, every later node adopts it, and a node configured for
/// another account refuses to start. (Before, a second node without account_id made an account of its own.)
/// </summary>
public sealed class AccountSettlementTests(PostgresServerFixture postgres)
{
    private async Task<Action<BrokerOptions>> SharedStoreAsync(string? accountId = null)
    {
        var database = await postgres.CreateDatabaseAsync("account");
        return o =>
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            o.AccountId = accountId;
            o.ReaperEnabled = false;
        };
    }

    [Fact]
    public async Task SecondNodeWithoutAccountId_AdoptsTheFirstNodesAccountAndRootKey()
    {
        var shared = await SharedStoreAsync();
        await using var first = await TestBroker.StartAsync(shared);
        await using var second = await TestBroker.StartAsync(shared);

        var who = await second.CallAsync("sts", "GetCallerIdentity", credentials: first.Root);

        Assert.True(first.Host.CreatedAccount);
        Assert.False(second.Host.CreatedAccount);
        Assert.Equal(first.AccountId, second.AccountId);
        Assert.Equal(first.Root.AccessKeyId, second.Root.AccessKeyId);
        Assert.Equal($"arn:aws:iam::{first.AccountId}:root", who.Find("Arn"));
        Assert.Equal([first.AccountId], await RootKeyAccountsAsync(first));
    }

    [Fact]
    public async Task NodeConfiguredForAnotherAccount_RefusesNamingBothAndChangesNothing()
    {
        var shared = await SharedStoreAsync("111122223333");
        await using var first = await TestBroker.StartAsync(shared);

        var refused = await Assert.ThrowsAsync<BrokerOptionsException>(() => TestBroker.StartAsync(o =>
        {
            shared(o);
            o.AccountId = "999988887777";
        }));

        Assert.Contains("999988887777", refused.Message, StringComparison.Ordinal);
        Assert.Contains("111122223333", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["111122223333"], await RootKeyAccountsAsync(first));
    }

    [Fact]
    public async Task NodesStartingTogether_OnAnEmptyStore_SettleOneAccountWithOneRootKey()
    {
        var shared = await SharedStoreAsync();

        var nodes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TestBroker.StartAsync(shared)));
        try
        {
            Assert.Single(nodes.Select(n => n.AccountId).Distinct());
            Assert.Single(nodes.Select(n => n.Root.AccessKeyId).Distinct());
            Assert.Single(nodes, n => n.Host.CreatedAccount);
            Assert.Single(await RootKeyAccountsAsync(nodes[0]));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task DataDirectoryOfAnotherAccount_WithoutAccountId_Refuses()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-otheraccount-").FullName;
        try
        {
            string own;
            await using (var sqlite = await TestBroker.StartAsync(dataDirectory: directory))
            {
                own = sqlite.AccountId;
            }

            var shared = await SharedStoreAsync("123412341234");
            await using var first = await TestBroker.StartAsync(shared);

            var refused = await Assert.ThrowsAsync<BrokerOptionsException>(() => TestBroker.StartAsync(
                o =>
                {
                    shared(o);
                    o.AccountId = null;
                },
                dataDirectory: directory));

            Assert.Contains(own, refused.Message, StringComparison.Ordinal);
            Assert.Contains("123412341234", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Choose_StoreFromAnOlderVersion_AdoptsItsOneAccountAndRefusesToGuessAmongSeveral()
    {
        Assert.Equal("222233334444", AccountBootstrap.Choose(null, null, ["222233334444"]));
        Assert.Equal("222233334444", AccountBootstrap.Choose(null, "555566667777", ["222233334444"]));
        Assert.Equal("555566667777", AccountBootstrap.Choose(null, "555566667777", []));
        Assert.Equal("999900001111", AccountBootstrap.Choose("999900001111", null, ["222233334444", "555566667777"]));
        var several = Assert.Throws<BrokerOptionsException>(() => AccountBootstrap.Choose(null, null, ["222233334444", "555566667777"]));
        Assert.Contains("222233334444, 555566667777", several.Message, StringComparison.Ordinal);
        Assert.Matches("^[1-9][0-9]{11}$", AccountBootstrap.Choose(null, null, []));
    }

    /// <summary>Every account with a root key in the node's store, read with SQL (not through the broker).</summary>
    private static async Task<List<string>> RootKeyAccountsAsync(TestBroker node)
    {
        await using var dataSource = NpgsqlDataSource.Create(node.Options.PostgresConnectionString!);
        await using var command = dataSource.CreateCommand("SELECT DISTINCT account_id FROM iam_access_keys WHERE user_id IS NULL ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        var accounts = new List<string>();
        while (await reader.ReadAsync())
        {
            accounts.Add(reader.GetString(0));
        }

        return accounts;
    }
}
