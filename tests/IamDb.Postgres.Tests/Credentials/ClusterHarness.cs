using IamDb.Postgres.Credentials;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Postgres.Tests.Credentials;

/// <summary>The shared throwaway server as a managed cluster: its superuser as admin, plus helpers to look at the catalog.</summary>
internal sealed class ClusterHarness(PostgresServerFixture fixture)
{
    public PostgresServerFixture Fixture { get; } = fixture;

    public string SuperPassword { get; } = new NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString()).Password!;

    public ClusterEndpoint Endpoint => new(Fixture.Server.Host, Fixture.Server.Port, "postgres", Fixture.Server.SuperUser, SuperPassword);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A name no other test uses: lowercase letters and digits after <paramref name="prefix"/>.</summary>
    public static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static CredentialRequest Request(string baseUser, string? dbName = null, IReadOnlyList<string>? groups = null, bool autoCreate = false,
        DateTimeOffset? expiresAt = null) =>
        new(baseUser, dbName, groups ?? [], autoCreate, expiresAt ?? DateTimeOffset.UtcNow.AddMinutes(15), autoCreate ? "IAMA:" : "IAM:");

    /// <summary>
    /// Runs set-up SQL as the superuser. Tests share one server, and a set-up GRANT on a database can race another test's
    /// GRANT (or a preparation) on the same ACL row; the statements form one implicit transaction, so they are retried.
    /// </summary>
    public async Task ExecAsync(string sql, string database = "postgres")
    {
        await using var source = Fixture.CreateDataSource(database);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var cmd = source.CreateCommand(sql);
                await cmd.ExecuteNonQueryAsync(Ct);
                return;
            }
            catch (PostgresException pe) when (attempt < 3 && PostgresClusterAdministration.IsConcurrentCatalogUpdate(pe))
            {
            }
        }
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var source = Fixture.CreateDataSource();
        await using var cmd = source.CreateCommand(sql);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await cmd.ExecuteScalarAsync(Ct))!;
    }

    public async Task<List<string>> StringsAsync(string sql, params object[] parameters)
    {
        await using var source = Fixture.CreateDataSource();
        await using var cmd = source.CreateCommand(sql);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            list.Add(reader.IsDBNull(0) ? "(null)" : reader.GetValue(0).ToString()!);
        }

        return list;
    }

    /// <summary>A connection as a credential, unpooled so every open really authenticates.</summary>
    public NpgsqlConnection Login(string user, string password, string database = "postgres") =>
        new(new NpgsqlConnectionStringBuilder
        {
            Host = Fixture.Server.Host,
            Port = Fixture.Server.Port,
            Database = database,
            Username = user,
            Password = password,
            Pooling = false,
            Timeout = 30,
        }.ConnectionString);

    public async Task<(string CurrentUser, string SessionUser)> WhoAmIAsync(IssuedLoginRole issued, string database = "postgres")
    {
        await using var conn = Login(issued.LoginRoleName, issued.Password, database);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand("select current_user::text, session_user::text", conn);
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.GetString(0), reader.GetString(1));
    }

    /// <summary>Every role with its attributes and comment, and every membership, as sorted text.</summary>
    public async Task<string> CatalogSnapshotAsync()
    {
        var roles = await StringsAsync(
            """
            select rolname || '|' || rolcanlogin || '|' || rolsuper || '|' || coalesce(rolvaliduntil::text, '') || '|'
                   || coalesce(shobj_description(oid, 'pg_authid'), '')
            from pg_roles order by 1
            """);
        var members = await StringsAsync(
            "select r.rolname || ' > ' || m.rolname from pg_auth_members a join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member order by 1");
        var acls = await StringsAsync("select datname || '=' || coalesce(datacl::text, '') from pg_database order by 1");
        return string.Join('\n', roles.Concat(["--"]).Concat(members).Concat(["--"]).Concat(acls));
    }
}

/// <summary>Tests that compare the whole catalog before and after run alone, so no other test's roles show up.</summary>
[CollectionDefinition(nameof(CatalogSnapshotTests), DisableParallelization = true)]
public sealed class CatalogSnapshotTests;
