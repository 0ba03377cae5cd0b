using IamDb.Postgres.LocalServer;
using IamDb.Testing;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace IamDb.Postgres.Tests.LocalServer;

public class LocalPostgresServerTests(PostgresServerFixture fixture)
{
    [Fact]
    public async Task SharedServer_Started_AcceptsNpgsqlConnectionOnLoopback()
    {
        await using var dataSource = fixture.CreateDataSource();
        await using var cmd = dataSource.CreateCommand("select inet_server_addr()::text, current_setting('port')::int, current_user");
        await using var reader = await cmd.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal("127.0.0.1/32", reader.GetString(0));
        Assert.Equal(fixture.Server.Port, reader.GetInt32(1));
        Assert.Equal("postgres", reader.GetString(2));
    }

    [Fact]
    public async Task SharedServer_WrongPassword_IsRefusedBecauseAuthenticationIsScram()
    {
        var cs = fixture.Server.ConnectionString(user: "postgres", password: "not-the-password");
        await using var conn = new NpgsqlConnection(cs);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync(TestContext.Current.CancellationToken));
        Assert.Equal(PostgresErrorCodes.InvalidPassword, ex.SqlState);

        await using var dataSource = fixture.CreateDataSource();
        await using var cmd = dataSource.CreateCommand("show password_encryption");
        Assert.Equal("scram-sha-256", await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CreateDatabaseAsync_TwoCalls_GiveDistinctUsableDatabases()
    {
        var a = await fixture.CreateDatabaseAsync("lps");
        var b = await fixture.CreateDatabaseAsync("lps");
        Assert.NotEqual(a, b);
        await using var dataSource = fixture.CreateDataSource(b);
        await using var cmd = dataSource.CreateCommand("select current_database()");
        Assert.Equal(b, await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OwnServer_StartStopDispose_CleansUpAndFreesPort()
    {
        var ct = TestContext.Current.CancellationToken;
        var fixture2 = new PostgresServerFixture();
        await fixture2.InitializeAsync();
        var dir = fixture2.Directory;
        var port = fixture2.Server.Port;
        Assert.True(Directory.Exists(dir));
        Assert.True(LocalPostgresServer.IsInitialized(dir));

        await fixture2.DisposeAsync();

        Assert.False(Directory.Exists(dir));
        Assert.False(fixture2.Server.IsRunning);
        await using var conn = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Timeout = 3 }.ConnectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => conn.OpenAsync(ct));
    }

    [Fact]
    public async Task StartAsync_ExistingDirectory_ReusesClusterAndItsData()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("iamdb-pg-reuse-").FullName;
        try
        {
            var options = new LocalPostgresOptions { Directory = dir, Durable = false };
            await using (var first = await LocalPostgresServer.StartAsync(options, "first-password", ct: ct))
            {
                await using var ds = first.CreateDataSource();
                await using var cmd = ds.CreateCommand("create table kept(x int); insert into kept values (42)");
                await cmd.ExecuteNonQueryAsync(ct);
            }

            await using var second = await LocalPostgresServer.StartAsync(options, "first-password", ct: ct);
            await using var ds2 = second.CreateDataSource();
            await using var cmd2 = ds2.CreateCommand("select x from kept");
            Assert.Equal(42, await cmd2.ExecuteScalarAsync(ct));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_MissingBinaries_FailsWithInstallHint()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-pg-nobin-").FullName;
        try
        {
            var ex = await Assert.ThrowsAsync<LocalPostgresException>(() => LocalPostgresServer.StartAsync(
                new LocalPostgresOptions { Directory = dir }, "pw", new PostgresBinaries("/nonexistent/bin"), TestContext.Current.CancellationToken));
            Assert.Equal(PostgresBinaries.NotFoundMessage, ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Find_OnThisMachine_LocatesInitdbAndPgCtl()
    {
        var binaries = PostgresBinaries.Find();
        Assert.NotNull(binaries);
        Assert.True(File.Exists(binaries.InitDb));
        Assert.True(File.Exists(binaries.PgCtl));
    }
}
