using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Attack (or accident): registering a cluster with an admin that can prepare some databases and not others. Before
/// issue 12 preparation committed database by database, so a failure on the third database left the first two with
/// PUBLIC's CONNECT revoked, connect roles created and the all-databases role in place: a half-managed server, changed
/// by a registration that reported failure.
/// </summary>
public sealed class RegistrationAtomicityTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const string AdminPassword = "prep-admin-password-4321";
    private readonly PostgresServerFixture _server = PostgresServerFixture.WithOptions(o => o);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        // A non-superuser admin with CREATEROLE that owns dba and dbb but not dbc (nor postgres, template1).
        await ExecAsync($"CREATE ROLE prep_admin LOGIN CREATEROLE PASSWORD '{AdminPassword}'");
        await ExecAsync("CREATE ROLE other_owner NOLOGIN");
        await ExecAsync("CREATE ROLE alice LOGIN PASSWORD 'alice-password-1234'");
        await ExecAsync("CREATE DATABASE dba OWNER prep_admin");
        await ExecAsync("CREATE DATABASE dbb OWNER prep_admin");
        await ExecAsync("CREATE DATABASE dbc OWNER other_owner");
        await ExecAsync("GRANT CONNECT ON DATABASE dbb TO alice");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task ExecAsync(string sql)
    {
        await using var source = _server.CreateDataSource();
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Ct);
    }

    // Everything preparation touches: every database's ACL, every role, every membership.
    private async Task<List<string>> SnapshotAsync()
    {
        await using var source = _server.CreateDataSource();
        await using var command = source.CreateCommand(
            """
            select 'db ' || datname || ' ' || coalesce(datacl::text, 'default') from pg_database
            union all select 'role ' || rolname || ' ' || rolcanlogin::text || ' ' || coalesce(shobj_description(oid, 'pg_authid'), '') from pg_roles
            union all select 'member ' || m.roleid::regrole::text || ' > ' || m.member::regrole::text from pg_auth_members m
            order by 1
            """);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    [Fact]
    public async Task RegisterCluster_AdminCannotPrepareTheThirdDatabase_FailsNamingIt_AndChangesNothing()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await SnapshotAsync();
        NpgsqlConnection.ClearAllPools();

        var reply = await kit.RegisterWithAsync("halfway", [], port: _server.Server.Port, adminUser: "prep_admin", password: AdminPassword);

        Assert.Equal("InvalidClusterState", reply.ErrorCode);
        Assert.Contains(
            "cannot prepare database \"dbc\": only its owner (\"other_owner\") or a superuser can change its CONNECT privilege",
            reply.ErrorMessage,
            StringComparison.Ordinal);
        Assert.Contains("ALTER DATABASE \"dbc\" OWNER TO \"prep_admin\"", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminPassword, reply.Body, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());
        Assert.DoesNotContain(before, r => r.StartsWith("role iamdb", StringComparison.Ordinal));
        Assert.Equal("ClusterNotFound", (await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "halfway")])).ErrorCode);
    }

    [Fact]
    public async Task RegisterCluster_AdminThatCanPrepareEverything_Succeeds()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var id = "whole" + Guid.NewGuid().ToString("N")[..8];

        // The superuser of the same server can prepare every database: the checks do not refuse what would work.
        var reply = await kit.RegisterWithAsync(
            id, [], port: _server.Server.Port, adminUser: _server.Server.SuperUser, password: new NpgsqlConnectionStringBuilder(_server.Server.ConnectionString()).Password);

        Assert.True(reply.ErrorCode is null, reply.ToString());
        var after = await SnapshotAsync();
        Assert.Contains(after, r => r.StartsWith("role iamdb_connect_all", StringComparison.Ordinal));
        Assert.Contains(after, r => r.StartsWith("db dbc ", StringComparison.Ordinal) && r.Contains("alice=c/other_owner", StringComparison.Ordinal));
    }
}
