using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using IamDb.Testing;

namespace IamDb.Broker.Tests.State;

/// <summary>The store contract on the shared throwaway PostgreSQL server, one database for the class.</summary>
public sealed class PostgresStoreContractTests(PostgresServerFixture fixture) : StoreContractTests
{
    private static readonly SemaphoreSlim DatabaseGate = new(1, 1);
    private static readonly MasterKey DatabaseKey = MasterKey.Generate();
    private static string? _database;

    internal override MasterKey Key => DatabaseKey;

    internal override async Task<IStateStore> OpenStoreCoreAsync(SecretProtector protector) =>
        await PostgresStateStore.OpenAsync(fixture.CreateDataSource(await DatabaseAsync()), protector, ownsDataSource: true, cancellationToken: Ct);

    internal override async Task<object?> ScalarAsync(string sql)
    {
        await using var dataSource = fixture.CreateDataSource(await DatabaseAsync());
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync(Ct);
    }

    private async Task<string> DatabaseAsync()
    {
        await DatabaseGate.WaitAsync(Ct);
        try
        {
            return _database ??= await fixture.CreateDatabaseAsync("store");
        }
        finally
        {
            DatabaseGate.Release();
        }
    }
}
