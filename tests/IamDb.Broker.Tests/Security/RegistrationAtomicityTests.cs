using IamDb.Broker.Tests.Actions.Redshift;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Security;

/// <summary>
/// Attack (or accident): registering a cluster with an admin that can prepare some databases and not others. Before
/// issue 12 preparation committed database by database, so a failure on the third database left the first two with
/// PUBLIC's CONNECT revoked, connect roles created and the all-databases role in place: a half-managed server, changed
/// by a registration that reported failure. Since issue 14 such an admin (what managed services give) registers: the
/// databases it may not prepare are skipped, reported and left untouched; an admin that may prepare none still fails
/// and changes nothing.
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
    public async Task RegisterCluster_AdminCannotPrepareTheThirdDatabase_RegistersSkippingIt_LeavesItAsItWas_AndRefusesItAsDbName()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var before = await SnapshotAsync();
        NpgsqlConnection.ClearAllPools();

        var reply = await kit.RegisterWithAsync("halfway", [], port: _server.Server.Port, adminUser: "prep_admin", password: AdminPassword);

        // Issue 14: a managed admin prepares what it may and reports the rest, instead of refusing the whole server.
        Assert.True(reply.ErrorCode is null, reply.ToString());
        Assert.Contains("<DatabaseName>dbc</DatabaseName>", reply.Body, StringComparison.Ordinal);
        Assert.Contains("only its owner (\"other_owner\") or a superuser can change its CONNECT privilege", reply.Body, StringComparison.Ordinal);
        Assert.Contains("ALTER DATABASE \"dbc\" OWNER TO \"prep_admin\"", reply.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("<DatabaseName>dba</DatabaseName>", reply.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminPassword, reply.Body, StringComparison.Ordinal);
        var after = await SnapshotAsync();
        Assert.Equal(before.Where(r => r.StartsWith("db dbc ", StringComparison.Ordinal)), after.Where(r => r.StartsWith("db dbc ", StringComparison.Ordinal)));
        Assert.DoesNotContain(after, r => r.StartsWith("role iamdb_connect:dbc ", StringComparison.Ordinal));
        Assert.Contains(after, r => r.StartsWith("role iamdb_connect:dba ", StringComparison.Ordinal));

        var test = await kit.Broker.CallAsync("redshift", "TestCluster", [new("ClusterIdentifier", "halfway")]);
        Assert.Contains("<DatabaseName>dbc</DatabaseName>", test.Body, StringComparison.Ordinal);
        var refused = await kit.GetCredentialsAsync("svc_user", dbName: "dbc", autoCreate: true, cluster: "halfway");
        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        Assert.Contains("\"dbc\" is not prepared", refused.ErrorMessage, StringComparison.Ordinal);
        var issued = await kit.GetCredentialsAsync("app_user", dbName: "dba", autoCreate: true, cluster: "halfway");
        Assert.True(issued.ErrorCode is null, issued.ToString());
    }

    [Fact]
    public async Task RegisterCluster_AdminThatMayPrepareNoDatabase_FailsNamingThem_AndChangesNothing()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        await ExecAsync("CREATE ROLE owns_nothing LOGIN CREATEROLE PASSWORD 'owns-nothing-password-1'");
        await ExecAsync("REVOKE CONNECT ON DATABASE dba FROM PUBLIC");
        await ExecAsync("REVOKE CONNECT ON DATABASE dbb FROM PUBLIC");
        var before = await SnapshotAsync();
        NpgsqlConnection.ClearAllPools();

        var reply = await kit.RegisterWithAsync("nothing", [], port: _server.Server.Port, adminUser: "owns_nothing", password: "owns-nothing-password-1");

        Assert.Equal("InvalidClusterState", reply.ErrorCode);
        Assert.Contains(
            "cannot prepare database \"dbc\": only its owner (\"other_owner\") or a superuser can change its CONNECT privilege",
            reply.ErrorMessage,
            StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());
        Assert.DoesNotContain(before, r => r.StartsWith("role iamdb", StringComparison.Ordinal));
        Assert.Equal("ClusterNotFound", (await kit.Broker.CallAsync("redshift", "DescribeClusters", [new("ClusterIdentifier", "nothing")])).ErrorCode);
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
