using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using IamDb.Testing;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

public sealed class PostgresMigrationTests(PostgresServerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAsync_FreshDatabase_CreatesLatestSchema()
    {
        var database = await fixture.CreateDatabaseAsync("mig");
        await using var store = await PostgresStateStore.OpenAsync(fixture.CreateDataSource(database), new SecretProtector(MasterKey.Generate()), ownsDataSource: true, cancellationToken: Ct);

        await using var dataSource = fixture.CreateDataSource(database);
        await using var command = dataSource.CreateCommand(
            "SELECT (SELECT MAX(version) FROM schema_migrations), "
            + "(SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('iam_users', 'audit_events', 'redshift_credentials'))");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(SchemaMigrator.Load(PostgresDialect.Instance)[^1].Version, reader.GetInt64(0));
        Assert.Equal(3, reader.GetInt64(1));
    }

    [Fact]
    public async Task OpenAsync_ManyBrokersStartingAtOnce_ApplyEachMigrationOnceWithoutErrors()
    {
        var database = await fixture.CreateDatabaseAsync("mig");
        var key = MasterKey.Generate();

        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            PostgresStateStore.OpenAsync(fixture.CreateDataSource(database), new SecretProtector(key), ownsDataSource: true, cancellationToken: Ct))));

        await using var dataSource = fixture.CreateDataSource(database);
        await using var count = dataSource.CreateCommand("SELECT COUNT(*) FROM schema_migrations");
        Assert.Equal((long)SchemaMigrator.Load(PostgresDialect.Instance).Count, await count.ExecuteScalarAsync(Ct));
        await using var checks = dataSource.CreateCommand("SELECT COUNT(*) FROM store_metadata");
        Assert.Equal(1L, await checks.ExecuteScalarAsync(Ct));
        var account = NewAccount();
        await stores[0].WriteAsync((w, ct) => w.Users.CreateAsync(User(account, "adam"), ct), Ct);
        Assert.NotNull(await stores[5].ReadAsync((r, ct) => r.Users.GetAsync(account, "adam", ct), Ct));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }
}
