using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using IamDb.Broker.Audit;
using IamDb.Broker.Hosting;
using IamDb.Cli.Commands.GetClusterCredentials;
using IamDb.Cli.Commands.Policy.Simulate;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.ConnectionStrings;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Postgres.LocalServer;
using Microsoft.Extensions.Logging;
using Npgsql;
using Spectre.Console;

namespace IamDb.Cli.Commands.Demo;

/// <summary>
/// The story: a platform team gives developer adam temporary access to database dbA on clusterA through an IAM policy,
/// adam connects with a 15-minute password he never had to be given, and a request outside the policy is refused with
/// the reason. Every step checks what it should have seen; a failed step ends the story, and cleanup always runs.
/// </summary>
internal sealed class DemoCommand : IAsyncDisposable
{
    private const string Cluster = "clusterA";
    private const string Database = "dbA";
    private const string DbUser = "adam";
    private const string Region = "us-east-1";

    private static readonly string PolicyDocument = $$"""
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "TemporaryCredentials",
              "Effect": "Allow",
              "Action": ["redshift:GetClusterCredentials", "redshift:CreateClusterUser", "redshift:JoinGroup"],
              "Resource": [
                "arn:aws:redshift:{{Region}}:*:dbuser:{{Cluster}}/${aws:username}",
                "arn:aws:redshift:{{Region}}:*:dbname:{{Cluster}}/{{Database}}",
                "arn:aws:redshift:{{Region}}:*:dbgroup:{{Cluster}}/analysts"
              ]
            },
            { "Sid": "FindClusters", "Effect": "Allow", "Action": "redshift:DescribeClusters", "Resource": "*" }
          ]
        }
        """;

    private readonly CliContext _context;
    private readonly bool _keep;
    private readonly string _directory;
    private LocalPostgresServer? _postgres;
    private string _adminPassword = string.Empty;
    private BrokerOptions? _brokerOptions;
    private BrokerHost? _broker;
    private ServiceConnection? _root;
    private ServiceConnection? _adam;
    private string _adamArn = string.Empty;
    private ClusterCredentials? _credentials;
    private RedshiftCluster? _cluster;

    private DemoCommand(CliContext context, bool keep)
    {
        _context = context;
        _keep = keep;
        _directory = Directory.CreateTempSubdirectory("iamdb-demo-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // Traversable (not listable) by others: as root, PostgreSQL runs as the postgres user in a folder below.
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        }
    }

    private IAnsiConsole Console => _context.Console;

    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        await using var demo = new DemoCommand(context, parseResult.GetValue(DemoCommandDefinition.KeepOption));
        return await demo.RunAsync(ct);
    }

    private async Task<int> RunAsync(CancellationToken ct)
    {
        var steps = new (string Title, string Explanation, Func<CancellationToken, Task<string>> Run)[]
        {
            ("Start a throwaway PostgreSQL", "initdb + pg_ctl from this machine's binaries in a temporary directory, 127.0.0.1 only, SCRAM passwords.", StartPostgresAsync),
            ($"Create database {Database} and user {DbUser} with password disabled", $"CREATE DATABASE \"{Database}\"; CREATE ROLE {DbUser} NOLOGIN — adam has no password anyone could leak.", PrepareDatabaseAsync),
            ("Start the IamDb broker", "IAM, STS and the Redshift credential API on a loopback port; SQLite state and a root access key in the temporary directory.", StartBrokerAsync),
            ($"Register the server as cluster {Cluster}", "RegisterCluster: the broker logs in as the admin and prepares per-database connect roles; the admin password is stored encrypted.", RegisterClusterAsync),
            ("Create the policy, group, user adam and his access key", "CreatePolicy (GetClusterCredentials, CreateClusterUser, JoinGroup on dbuser/${aws:username}, dbname/dbA), CreateGroup dbusers, AttachGroupPolicy, CreateUser adam, AddUserToGroup, CreateAccessKey.", CreateIamAsync),
            ("Get temporary credentials as adam", "GetClusterCredentials signed with adam's key; printed as `aws redshift get-cluster-credentials` prints it.", GetCredentialsAsync),
            ("Connect with them and run a query", "Npgsql logs in as the returned DbUser with the temporary password; the session runs as adam.", QueryAsync),
            ("Print the JDBC URL", "What an IDE or a JVM service needs; the password is not part of it.", JdbcUrlAsync),
            ("A request the policy denies, and why", "adam asks for the superuser postgres; IAM refuses, and SimulatePrincipalPolicy explains the decision.", DeniedAsync),
            ("The audit trail", "adam's requests as the broker recorded them (what `iamdb audit --principal adam` shows), then DescribeClusterCredentials: who holds which database identity until when — never a password.", TrailAsync),
            ("Clean up", "Stop the broker and PostgreSQL and delete the temporary directory.", CleanUpAsync),
        };

        Console.MarkupLine("[bold]IamDb demo[/]: temporary database credentials through IAM policies, step by step.");
        Console.WriteLine();
        var total = Stopwatch.StartNew();
        for (var i = 0; i < steps.Length; i++)
        {
            var (title, explanation, run) = steps[i];
            Console.MarkupLineInterpolated($"[bold]{i + 1}. {title}[/]");
            Console.MarkupLineInterpolated($"   [grey]{explanation}[/]");
            var watch = Stopwatch.StartNew();
            try
            {
                var detail = await _context.SpinAsync(title, () => run(ct));
                Console.MarkupLineInterpolated($"   [green]ok[/] {detail} [grey]({watch.ElapsedMilliseconds} ms)[/]");
                Console.WriteLine();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is DemoStepFailedException or AwsClientException or AwsCredentialsException or NpgsqlException
                or LocalPostgresException or IOException or InvalidOperationException or BrokerOptionsException)
            {
                Console.MarkupLineInterpolated($"   [red]FAILED[/] {Describe(ex)}");
                Console.WriteLine();
                if (i < steps.Length - 1)
                {
                    await CleanUpAsync(ct);
                }

                Console.MarkupLineInterpolated($"[red]The demo stopped at step {i + 1} of {steps.Length}.[/]");
                return ExitCodes.Failure;
            }
        }

        Console.MarkupLineInterpolated($"[green]All {steps.Length} steps did what they should[/] in {total.Elapsed.TotalSeconds:0.0} s.");
        return ExitCodes.Ok;
    }

    private static string Describe(Exception ex) => ex is AwsServiceException aws ? $"{aws.Code}: {aws.ErrorMessage}" : ex.Message;

    private async Task<string> StartPostgresAsync(CancellationToken ct)
    {
        _adminPassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        _postgres = await LocalPostgresServer.StartAsync(
            new LocalPostgresOptions { Directory = Path.Combine(_directory, "postgres"), Durable = false, Tls = true, TcpRequiresTls = true }, _adminPassword, ct: ct);
        return $"PostgreSQL on {_postgres.Host}:{_postgres.Port}";
    }

    private async Task<string> PrepareDatabaseAsync(CancellationToken ct)
    {
        await using var admin = _postgres!.CreateDataSource();
        await using (var create = admin.CreateCommand($"CREATE DATABASE \"{Database}\""))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var role = admin.CreateCommand($"CREATE ROLE {DbUser} NOLOGIN"))
        {
            await role.ExecuteNonQueryAsync(ct);
        }

        await using var check = admin.CreateCommand($"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{DbUser}'");
        return await check.ExecuteScalarAsync(ct) is false
            ? $"database {Database}; role {DbUser} exists and cannot log in by itself"
            : throw new DemoStepFailedException($"role {DbUser} should exist with NOLOGIN");
    }

    private async Task<string> StartBrokerAsync(CancellationToken ct)
    {
        _brokerOptions = new BrokerOptions { DataDirectory = Path.Combine(_directory, "broker"), Region = Region };
        // No log providers: the broker's logs never reach the demo's output.
        _broker = await BrokerHost.StartAsync(_brokerOptions, logging => logging.ClearProviders(), ct);
        var root = AwsCredentialSource.FromProfile("iamdb", _broker.CredentialsFilePath);
        _root = ServiceConnection.ForEndpoint(new Uri(_broker.EndpointUrl), Region, root);
        var identity = await _root.CallAsync(_root.Request(AwsServices.Sts, "GetCallerIdentity"), ct);
        return $"broker at {_broker.EndpointUrl}, account {identity.Result.Text("Account")} (root key in {_broker.CredentialsFilePath})";
    }

    private async Task<string> RegisterClusterAsync(CancellationToken ct)
    {
        var response = await _root!.CallAsync(
            _root.Request(AwsServices.Redshift, "RegisterCluster")
                .Add("ClusterIdentifier", Cluster)
                .Add("Host", _postgres!.Host)
                .Add("Port", _postgres.Port)
                .Add("DBName", Database)
                .Add("MasterUsername", _postgres.SuperUser)
                .Add("MasterUserPassword", _adminPassword),
            ct);
        var identifier = response.Result.Text("Cluster", "ClusterIdentifier");
        return identifier == Cluster
            ? $"cluster {Cluster} = {_postgres.Host}:{_postgres.Port}"
            : throw new DemoStepFailedException($"RegisterCluster answered with cluster '{identifier}'");
    }

    private async Task<string> CreateIamAsync(CancellationToken ct)
    {
        var root = _root!;
        var policy = await root.CallAsync(root.Request(AwsServices.Iam, "CreatePolicy").Add("PolicyName", "redshift-temp-creds").Add("PolicyDocument", PolicyDocument), ct);
        var policyArn = policy.Result.Text("Policy", "Arn") ?? throw new DemoStepFailedException("CreatePolicy returned no ARN");
        await root.CallAsync(root.Request(AwsServices.Iam, "CreateGroup").Add("GroupName", "dbusers"), ct);
        await root.CallAsync(root.Request(AwsServices.Iam, "AttachGroupPolicy").Add("GroupName", "dbusers").Add("PolicyArn", policyArn), ct);
        var user = await root.CallAsync(root.Request(AwsServices.Iam, "CreateUser").Add("UserName", DbUser), ct);
        _adamArn = user.Result.Text("User", "Arn") ?? throw new DemoStepFailedException("CreateUser returned no ARN");
        await root.CallAsync(root.Request(AwsServices.Iam, "AddUserToGroup").Add("GroupName", "dbusers").Add("UserName", DbUser), ct);
        var key = await root.CallAsync(root.Request(AwsServices.Iam, "CreateAccessKey").Add("UserName", DbUser), ct);
        var keyId = key.Result.Text("AccessKey", "AccessKeyId") ?? throw new DemoStepFailedException("CreateAccessKey returned no key");
        var secret = key.Result.Text("AccessKey", "SecretAccessKey") ?? throw new DemoStepFailedException("CreateAccessKey returned no secret");
        _adam = ServiceConnection.ForEndpoint(root.Endpoint!, Region, AwsCredentialSource.Explicit(keyId, secret));
        return $"policy {policyArn} on group dbusers; user {_adamArn} with access key {keyId}";
    }

    private async Task<string> GetCredentialsAsync(CancellationToken ct)
    {
        _credentials = await _adam!.Redshift.GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest { ClusterIdentifier = Cluster, DbUser = DbUser, DbName = Database }, ct);
        var lifetime = _credentials.Expiration - DateTimeOffset.UtcNow;
        if (!_credentials.DbUser.StartsWith("IAM:", StringComparison.Ordinal) || lifetime < TimeSpan.FromMinutes(10) || lifetime > TimeSpan.FromMinutes(16))
        {
            throw new DemoStepFailedException($"expected an IAM: login role valid for about 15 minutes, got {_credentials.DbUser} valid {lifetime.TotalMinutes:0} min");
        }

        // The aws CLI prints the password; so does the demo: it is a throwaway credential on a throwaway server.
        var json = GetClusterCredentialsCommand.ToJson(_credentials).ToJsonString(CliContext.JsonOptions);
        foreach (var line in json.Split('\n'))
        {
            Console.WriteLine("   " + line);
        }

        return $"login role {_credentials.DbUser}, valid until {_credentials.Expiration:HH:mm:ss} UTC";
    }

    private async Task<string> QueryAsync(CancellationToken ct)
    {
        var clusters = await _adam!.Redshift.DescribeClustersAsync(new DescribeClustersRequest { ClusterIdentifier = Cluster }, ct);
        _cluster = clusters.Clusters.Single();
        var endpoint = _cluster.Endpoint ?? throw new DemoStepFailedException("DescribeClusters returned no endpoint");
        var connection = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Address,
            Port = endpoint.Port,
            Database = Database,
            Username = _credentials!.DbUser,
            Password = _credentials.DbPassword,
            Pooling = false,
        };
        await using var dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
        await using var query = dataSource.CreateCommand("SELECT current_user, current_database(), (SELECT count(*) FROM pg_stat_activity WHERE usename = session_user)");
        await using var reader = await query.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new DemoStepFailedException("the query returned no row");
        }

        var user = reader.GetString(0);
        var database = reader.GetString(1);
        Console.WriteLine($"   SELECT current_user, current_database()  →  {user} | {database}");
        return user == DbUser && database == Database
            ? $"connected to {endpoint.Address}:{endpoint.Port}; the session runs as {user} in {database}"
            : throw new DemoStepFailedException($"expected {DbUser} in {Database}, got {user} in {database}");
    }

    private Task<string> JdbcUrlAsync(CancellationToken ct)
    {
        // The same formatter as `iamdb url --format jdbc`, for the engine DescribeClusters reports.
        var endpoint = _cluster!.Endpoint!;
        var login = DatabaseLogin.For(
            _credentials!, endpoint.Address, endpoint.Port, Database, SslMode.Require, engine: ConnectionStringFormats.EngineOf(_cluster.NodeType));
        Console.WriteLine("   " + ConnectionStringFormats.Jdbc(login));
        return Task.FromResult("what `iamdb url --format jdbc` prints; the password goes in the driver's password property (or ~/.pgpass), never in the URL");
    }

    private async Task<string> DeniedAsync(CancellationToken ct)
    {
        try
        {
            await _adam!.Redshift.GetClusterCredentialsAsync(new GetClusterCredentialsRequest { ClusterIdentifier = Cluster, DbUser = "postgres" }, ct);
            throw new DemoStepFailedException("the broker issued credentials for postgres to adam");
        }
        catch (AwsServiceException denied) when (denied.Code == "AccessDenied")
        {
            Console.WriteLine($"   error: {denied.Code}: {denied.ErrorMessage}");
        }

        var resource = $"arn:aws:redshift:{Region}:{_broker!.AccountId}:dbuser:{Cluster}/postgres";
        var simulation = await _root!.CallAsync(
            _root.Request(AwsServices.Iam, "SimulatePrincipalPolicy")
                .Add("PolicySourceArn", _adamArn)
                .AddList("ActionNames", ["redshift:GetClusterCredentials"])
                .AddList("ResourceArns", [resource]),
            ct);
        var result = PolicySimulateCommand.SimulationResult.FromXml(simulation.Result.Members("EvaluationResults").Single());
        foreach (var line in result.Explain())
        {
            Console.WriteLine("   " + line);
        }

        return result.Decision == "implicitDeny"
            ? "refused with exit code 3 in the CLI; the policy names dbuser/${aws:username}, and adam is not postgres"
            : throw new DemoStepFailedException($"the simulation said {result.Decision}");
    }

    private async Task<string> TrailAsync(CancellationToken ct)
    {
        IReadOnlyList<AuditEvent> events;
        await using (var trail = await AuditTrailOpener.OpenAsync(_brokerOptions!, ct))
        {
            events = await trail.ReadAsync(new AuditFilter { Principal = _adamArn }, 20, ct);
        }

        foreach (var e in events.Reverse())
        {
            Console.WriteLine($"   {e.EventTime:HH:mm:ss.fff}  {e.EventSource.Split('.')[0]}:{e.EventName,-22} {e.Outcome}");
            if (e.Decisions.Count > 0)
            {
                Console.WriteLine($"                 {e.Decisions[0]}");
            }
        }

        if (!events.Any(e => e.EventName == "GetClusterCredentials" && e.Outcome == "success")
            || !events.Any(e => e.EventName == "GetClusterCredentials" && e.Outcome == "denied"))
        {
            throw new DemoStepFailedException("the audit trail should hold adam's granted and his denied GetClusterCredentials");
        }

        var response = await _root!.CallAsync(_root.Request(AwsServices.Redshift, "DescribeClusterCredentials").Add("ClusterIdentifier", Cluster), ct);
        var records = response.Result.Members("Credentials").ToList();
        foreach (var r in records)
        {
            Console.WriteLine($"   {r.Text("IssuedAt")}  {r.Text("PrincipalArn")} → {r.Text("BaseDbUser")} in {r.Text("DbName")} as {r.Text("DbUser")} until {r.Text("Expiration")} ({r.Text("Status")})");
        }

        return records.Count == 1 && records[0].Text("PrincipalArn") == _adamArn && records[0].Text("DbUser") == _credentials!.DbUser
            ? $"{events.Count} audited requests by adam; one credential issued, the denied request issued nothing"
            : throw new DemoStepFailedException($"expected exactly adam's one credential, found {records.Count}");
    }

    private async Task<string> CleanUpAsync(CancellationToken ct)
    {
        _adam?.Dispose();
        _root?.Dispose();
        _adam = _root = null;
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
            _broker = null;
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
            _postgres = null;
        }

        if (_keep)
        {
            return $"stopped; kept {_directory}";
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return $"stopped and deleted {_directory}";
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever happened, leave no server running and no secret on disk.
        await CleanUpAsync(CancellationToken.None).ConfigureAwait(false);
    }
}

/// <summary>A demo step saw something other than what it should have.</summary>
internal sealed class DemoStepFailedException(string message) : Exception(message);
