using System.Data.Common;
using IamDb.Broker.Secrets;
using IamDb.Broker.State.Sql;
using IamDb.Testing;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Tests.State;

/// <summary>
/// Migration 0002 on a store made by 0001 with clusters in it: every existing cluster gets the security defaults a new
/// registration of its host would get (require for loopback, verify-full otherwise), no root, no group list, no
/// privileged users.
/// </summary>
public sealed class ClusterSettingsMigrationTests(PostgresServerFixture fixture)
{
    private static readonly (string Identifier, string Host, string Expected)[] Hosts =
    [
        ("loop4", "127.0.0.1", "require"),
        ("loop4b", "127.10.20.30", "require"),
        ("loop6", "::1", "require"),
        ("loopname", "localhost", "require"),
        ("remote", "db1.example.com", "verify-full"),
        ("lookalike", "127.0.0.1.nip.io", "verify-full"),
        ("remoteip", "10.0.0.5", "verify-full"),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sqlite_ExistingClusters_GetHostDefaults()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-mig-").FullName;
        try
        {
            var path = Path.Combine(directory, "state.db");
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync(Ct);
                await SeedVersionOneAsync(connection, SchemaMigrator.Load(SqliteDialect.Instance)[0].Sql, "x'00'");
            }

            await using (await SqliteStateStore.OpenAsync(path, new SecretProtector(MasterKey.Generate()), cancellationToken: Ct))
            {
            }

            await using var check = new SqliteConnection($"Data Source={path};Pooling=False");
            await check.OpenAsync(Ct);
            await AssertDefaultsAsync(check);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Postgres_ExistingClusters_GetHostDefaults()
    {
        var database = await fixture.CreateDatabaseAsync("mig2");
        await using (var source = fixture.CreateDataSource(database))
        await using (var connection = await source.OpenConnectionAsync(Ct))
        {
            await SeedVersionOneAsync(connection, SchemaMigrator.Load(PostgresDialect.Instance)[0].Sql, "'\\x00'::bytea");
        }

        await using (await PostgresStateStore.OpenAsync(fixture.CreateDataSource(database), new SecretProtector(MasterKey.Generate()), ownsDataSource: true, cancellationToken: Ct))
        {
        }

        await using var check = fixture.CreateDataSource(database);
        await using var checkConnection = await check.OpenConnectionAsync(Ct);
        await AssertDefaultsAsync(checkConnection);
    }

    private static async Task SeedVersionOneAsync(DbConnection connection, string initialSql, string passwordLiteral)
    {
        await ExecAsync(connection, initialSql);
        await ExecAsync(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        await ExecAsync(connection, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_initial', 0)");
        foreach (var (identifier, host, _) in Hosts)
        {
            await ExecAsync(
                connection,
                "INSERT INTO redshift_clusters (account_id, identifier_key, identifier, region, host, port, default_db, admin_user, admin_password, tags, created_at) "
                + $"VALUES ('123456789012', '{identifier}', '{identifier}', 'us-east-1', '{host}', 5432, 'dev', 'postgres', {passwordLiteral}, '[]', 0)");
        }
    }

    private static async Task AssertDefaultsAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT identifier, ssl_mode, ssl_root_certificate, allowed_db_groups, allow_privileged_db_users FROM redshift_clusters ORDER BY identifier";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new Dictionary<string, string>();
        while (await reader.ReadAsync(Ct))
        {
            rows[reader.GetString(0)] = reader.GetString(1);
            Assert.True(reader.IsDBNull(2));
            Assert.Equal("[]", reader.GetString(3));
            Assert.Equal(0L, reader.GetInt64(4));
        }

        Assert.Equal(Hosts.ToDictionary(h => h.Identifier, h => h.Expected), rows);
    }

    private static async Task ExecAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }
}
