using System.Globalization;
using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Accident: the broker's PostgreSQL state store logs in as an ordinary password role on the very server it manages as a
/// cluster. <c>DisableClusterPasswords</c> without DbUsers must not take that password away, or the broker locks itself
/// out of its own store at the next connection.
/// </summary>
public sealed class StoreRoleProtectionTests : IAsyncLifetime
{
    private const string StorePassword = "store-login-password-9876";
    private readonly PostgresServerFixture _server = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        await ExecAsync($"CREATE ROLE store_login LOGIN PASSWORD '{StorePassword}'");
        await ExecAsync("CREATE ROLE alice LOGIN PASSWORD 'alice-password-1234'");
        await ExecAsync("CREATE DATABASE storedb OWNER store_login");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task ExecAsync(string sql)
    {
        await using var source = _server.CreateDataSource();
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task DisableClusterPasswords_AllUsers_LeavesTheStoresLoginRoleAndTheBrokerKeepsWorking()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = _server.Server.ConnectionString("storedb", "store_login", StorePassword);
            o.AccountId = "111122223333";
        });
        var superPassword = new NpgsqlConnectionStringBuilder(_server.Server.ConnectionString()).Password!;
        var registered = await broker.CallAsync("redshift", "RegisterCluster",
        [
            new("ClusterIdentifier", "self"), new("Host", _server.Server.Host), new("Port", _server.Server.Port.ToString(CultureInfo.InvariantCulture)),
            new("DBName", "postgres"), new("MasterUsername", _server.Server.SuperUser), new("MasterUserPassword", superPassword),
        ]);
        Assert.True(registered.ErrorCode is null, registered.ToString());

        var disabled = await broker.CallAsync("redshift", "DisableClusterPasswords", [new("ClusterIdentifier", "self")]);

        Assert.True(disabled.ErrorCode is null, disabled.ToString());
        Assert.Contains("<DbUser>store_login</DbUser><Changed>false</Changed><Reason>is the role IamDb's own state store logs in as</Reason>", disabled.Body, StringComparison.Ordinal);
        Assert.Contains("<DbUser>alice</DbUser><Changed>true</Changed>", disabled.Body, StringComparison.Ordinal);
        NpgsqlConnection.ClearAllPools();
        var after = await broker.CallAsync("iam", "CreateUser", [new("UserName", "after-disable")]);
        Assert.True(after.ErrorCode is null, after.ToString());
    }
}
