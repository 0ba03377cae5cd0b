using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Tests.State;

/// <summary>The store contract on one SQLite file in a fresh data directory per test.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly DataDirectory _directory = DataDirectory.Prepare(Directory.CreateTempSubdirectory("iamdb-store-").FullName);

    internal override async Task<IStateStore> OpenStoreCoreAsync(SecretProtector protector) =>
        await SqliteStateStore.OpenAsync(_directory.StateFilePath, protector, cancellationToken: Ct);

    internal override async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_directory.StateFilePath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    [Fact]
    public void DataDirectory_Prepare_CreatesOwnerOnlyDirectoryAndStateFile()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_directory.StateFilePath));
    }

    [Fact]
    public async Task Open_SetsWalJournalMode()
    {
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode"));
    }
}
