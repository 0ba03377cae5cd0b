using IamDb.Broker.Hosting;
using IamDb.Cli.Connection;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Testing;
using Microsoft.Extensions.Logging;

namespace IamDb.Cli.Tests.Broker;

/// <summary>
/// A real broker on a loopback port (in this process) whose data directory is the one the CLI process reads, plus the
/// shared throwaway PostgreSQL: tests drive the built <c>iamdb</c> against both.
/// </summary>
public sealed class BrokerKit : IAsyncDisposable
{
    private BrokerKit(CliProcess cli, BrokerHost broker, PostgresServerFixture postgres)
    {
        Cli = cli;
        Broker = broker;
        Postgres = postgres;
        Endpoint = broker.EndpointUrl;
        Root = ServiceConnection.ForEndpoint(new Uri(Endpoint), "us-east-1", AwsCredentialSource.FromProfile("iamdb", broker.CredentialsFilePath));
        Cli.Environment["IAMDB_DATA_DIR"] = broker.DataDirectory;
    }

    public CliProcess Cli { get; }

    public BrokerHost Broker { get; }

    public PostgresServerFixture Postgres { get; }

    public string Endpoint { get; }

    /// <summary>The account root, for setting up IAM through the client.</summary>
    internal ServiceConnection Root { get; }

    public static async Task<BrokerKit> StartAsync(PostgresServerFixture postgres)
    {
        var cli = new CliProcess();
        var options = new BrokerOptions { DataDirectory = Path.Combine(cli.Directory, "data"), ReaperEnabled = false };
        var broker = await BrokerHost.StartAsync(options, logging => logging.ClearProviders());
        return new BrokerKit(cli, broker, postgres);
    }

    /// <summary>Runs iamdb against this broker (its endpoint and root profile come from the data directory's files).</summary>
    public Task<CliResult> RunAsync(params string[] args) => Cli.RunAsync(["--endpoint-url", Endpoint, .. args]);

    /// <summary>Registers a cluster for a fresh database through <c>iamdb clusters add</c>; returns (cluster, database).</summary>
    public async Task<(string Cluster, string Database)> AddClusterAsync()
    {
        var database = await Postgres.CreateDatabaseAsync("cli");
        var cluster = "c" + Guid.NewGuid().ToString("N")[..12];
        Cli.Environment["TEST_PG_ADMIN_PASSWORD"] = AdminPassword();
        var result = await RunAsync("clusters", "add", cluster, "--host", Postgres.Server.Host, "--port", Postgres.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--database", database, "--admin-user", Postgres.Server.SuperUser, "--admin-password-env", "TEST_PG_ADMIN_PASSWORD");
        Assert.True(result.ExitCode == 0, result.ToString());
        return (cluster, database);
    }

    /// <summary>Creates a database role (NOLOGIN unless a password is given) on the shared server.</summary>
    public async Task CreateRoleAsync(string name, string? password = null)
    {
        await using var dataSource = Postgres.CreateDataSource();
        await using var command = dataSource.CreateCommand(password is null
            ? $"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE \"{name}\" NOLOGIN; END IF; END $$"
            : $"DROP ROLE IF EXISTS \"{name}\"; CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One IAM call as the account root.</summary>
    internal Task<AwsQueryResponse> IamAsync(string action, params (string Name, string Value)[] parameters)
    {
        var request = Root.Request(AwsServices.Iam, action);
        foreach (var (name, value) in parameters)
        {
            request.Add(name, value);
        }

        return Root.CallAsync(request, CancellationToken.None);
    }

    /// <summary>Creates an IAM user with an access key; returns the key.</summary>
    internal async Task<(string AccessKeyId, string Secret, string Arn)> CreateUserWithKeyAsync(string name)
    {
        var user = await IamAsync("CreateUser", ("UserName", name));
        var key = await IamAsync("CreateAccessKey", ("UserName", name));
        return (key.Result.Text("AccessKey", "AccessKeyId")!, key.Result.Text("AccessKey", "SecretAccessKey")!, user.Result.Text("User", "Arn")!);
    }

    /// <summary>The superuser password of the shared server (the fixture keeps it in its connection string).</summary>
    private string AdminPassword() => new Npgsql.NpgsqlConnectionStringBuilder(Postgres.Server.ConnectionString()).Password!;

    public async ValueTask DisposeAsync()
    {
        Root.Dispose();
        await Broker.DisposeAsync();
        Cli.Dispose();
    }
}
