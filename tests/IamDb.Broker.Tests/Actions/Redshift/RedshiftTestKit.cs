using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Broker.State;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>
/// A broker with the test PostgreSQL server registered as a cluster through <c>RegisterCluster</c>, plus helpers to
/// run SQL as the superuser and to log in with issued credentials (never pooled, so every login is a real one).
/// </summary>
internal sealed class RedshiftTestKit : IAsyncDisposable
{
    private RedshiftTestKit(TestBroker broker, PostgresServerFixture postgres, string clusterId)
    {
        Broker = broker;
        Postgres = postgres;
        ClusterId = clusterId;
    }

    public TestBroker Broker { get; }

    public PostgresServerFixture Postgres { get; }

    public string ClusterId { get; }

    public string Host => Postgres.Server.Host;

    public int Port => Postgres.Server.Port;

    public string AdminPassword => new NpgsqlConnectionStringBuilder(Postgres.Server.ConnectionString()).Password!;

    public static async Task<RedshiftTestKit> StartAsync(
        PostgresServerFixture postgres, string clusterId = "clusterA", Action<BrokerOptions>? configure = null, TimeProvider? time = null,
        Func<IamDb.Broker.State.IStateStore, IamDb.Broker.State.IStateStore>? decorateStore = null)
    {
        var broker = await TestBroker.StartAsync(
            o =>
            {
                o.ReaperEnabled = false;
                configure?.Invoke(o);
            },
            time,
            decorateStore: decorateStore);
        var kit = new RedshiftTestKit(broker, postgres, clusterId);
        try
        {
            var reply = await kit.RegisterAsync(clusterId);
            if (reply.ErrorCode is not null)
            {
                throw new InvalidOperationException($"RegisterCluster failed: {reply.ErrorCode} {reply.ErrorMessage}");
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return kit;
    }

    /// <summary>A broker over a data directory where the cluster is registered already (a restart).</summary>
    public static async Task<RedshiftTestKit> OpenAsync(PostgresServerFixture postgres, string dataDirectory, TimeProvider? time = null, string clusterId = "clusterA")
    {
        var broker = await TestBroker.StartAsync(o => o.ReaperEnabled = false, time, dataDirectory);
        return new RedshiftTestKit(broker, postgres, clusterId);
    }

    public Task<QueryReply> RegisterAsync(string clusterId, string? password = null, int? port = null, params (string Key, string Value)[] tags)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("ClusterIdentifier", clusterId),
            new("Host", Host),
            new("Port", (port ?? Port).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("DBName", "postgres"),
            new("MasterUsername", Postgres.Server.SuperUser),
            new("MasterUserPassword", password ?? AdminPassword),
        };
        for (var i = 0; i < tags.Length; i++)
        {
            parameters.Add(new($"Tags.Tag.{i + 1}.Key", tags[i].Key));
            parameters.Add(new($"Tags.Tag.{i + 1}.Value", tags[i].Value));
        }

        return Broker.CallAsync("redshift", "RegisterCluster", parameters);
    }

    /// <summary>RegisterCluster of the test server (or another host/port/admin) with extra parameters such as the security settings.</summary>
    public Task<QueryReply> RegisterWithAsync(
        string clusterId, IEnumerable<KeyValuePair<string, string>> extra, string? host = null, int? port = null, string? adminUser = null, string? password = null)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("ClusterIdentifier", clusterId),
            new("Host", host ?? Host),
            new("Port", (port ?? Port).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("DBName", "postgres"),
            new("MasterUsername", adminUser ?? Postgres.Server.SuperUser),
            new("MasterUserPassword", password ?? AdminPassword),
        };
        parameters.AddRange(extra);
        return Broker.CallAsync("redshift", "RegisterCluster", parameters);
    }

    /// <summary>UpdateCluster with <paramref name="parameters"/> (ClusterIdentifier added).</summary>
    public Task<QueryReply> UpdateAsync(string clusterId, params KeyValuePair<string, string>[] parameters) =>
        Broker.CallAsync("redshift", "UpdateCluster", [new("ClusterIdentifier", clusterId), .. parameters]);

    /// <summary>GetClusterCredentials for <paramref name="dbUser"/> signed with <paramref name="as"/> (root when null).</summary>
    public Task<QueryReply> GetCredentialsAsync(
        string dbUser, SigningCredentials? @as = null, string? dbName = null, bool autoCreate = false, int? duration = null,
        IEnumerable<string>? groups = null, string? cluster = null)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("ClusterIdentifier", cluster ?? ClusterId), new("DbUser", dbUser) };
        if (dbName is not null)
        {
            parameters.Add(new("DbName", dbName));
        }

        if (autoCreate)
        {
            parameters.Add(new("AutoCreate", "true"));
        }

        if (duration is { } d)
        {
            parameters.Add(new("DurationSeconds", d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var i = 0;
        foreach (var group in groups ?? [])
        {
            parameters.Add(new($"DbGroups.DbGroup.{++i}", group));
        }

        return Broker.CallAsync("redshift", "GetClusterCredentials", parameters, @as);
    }

    /// <summary>Runs SQL as the superuser on <paramref name="database"/>.</summary>
    public async Task ExecAsync(string sql, string database = "postgres")
    {
        await using var source = Postgres.CreateDataSource(database);
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql, string database = "postgres")
    {
        await using var source = Postgres.CreateDataSource(database);
        await using var command = source.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Creates a NOLOGIN role unless it exists (roles are server-wide; tests share the server).</summary>
    public Task EnsureRoleAsync(string name) =>
        ExecAsync($"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE \"{name}\" NOLOGIN; END IF; END$$");

    /// <summary>Creates a database unless it exists.</summary>
    public async Task EnsureDatabaseAsync(string name)
    {
        if (await ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == 0)
        {
            try
            {
                await ExecAsync($"CREATE DATABASE \"{name}\"");
            }
            catch (PostgresException ex) when (ex.SqlState is "42P04" or "23505")
            {
                // Created meanwhile by a parallel test.
            }
        }
    }

    /// <summary>Opens an unpooled connection as an issued credential.</summary>
    public async Task<NpgsqlConnection> ConnectAsync(string user, string password, string database = "postgres")
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = user,
            Password = password,
            Pooling = false,
            Timeout = 15,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The user a login as <paramref name="user"/> acts as (<c>current_user</c>).</summary>
    public async Task<string> CurrentUserAsync(string user, string password, string database = "postgres")
    {
        await using var connection = await ConnectAsync(user, password, database);
        await using var command = new NpgsqlCommand("SELECT current_user", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public Task<bool> RoleExistsAsync(string name) =>
        ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name.Replace("'", "''", StringComparison.Ordinal)}')");

    public ValueTask DisposeAsync() => Broker.DisposeAsync();
}

/// <summary>A PostgreSQL server of a test class's own, for tests whose clock or reaper must not meet other tests' roles.</summary>
public sealed class PrivatePostgresServer : IAsyncLifetime
{
    public PostgresServerFixture Fixture { get; } = new();

    public ValueTask InitializeAsync() => Fixture.InitializeAsync();

    public ValueTask DisposeAsync() => Fixture.DisposeAsync();
}
