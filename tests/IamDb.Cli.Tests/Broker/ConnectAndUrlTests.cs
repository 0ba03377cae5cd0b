using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Cli.Tests.Broker;

/// <summary><c>iamdb connect</c> runs the real psql; <c>iamdb url</c>'s outputs parse and log in.</summary>
public sealed class ConnectAndUrlTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private BrokerKit _kit = null!;
    private string _database = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _kit = await BrokerKit.StartAsync(postgres);
        (var cluster, _database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_conn");
        var add = await _kit.Cli.RunAsync("env", "add", "dev", "--endpoint-url", _kit.Endpoint, "--cluster", cluster, "--db-name", _database, "--db-user", "cli_conn");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
    }

    public async ValueTask DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task Connect_RunsPsqlAsTheDatabaseUser_WithThePasswordOnlyInItsEnvironment()
    {
        var result = await _kit.Cli.RunAsync("connect", "dev", "--", "-X", "-A", "-t", "-c", "select current_user || '|' || current_database()");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"cli_conn|{_database}", result.Stdout.Trim());
    }

    [Fact]
    public async Task Connect_PsqlFails_ReturnsPsqlsExitCode()
    {
        var result = await _kit.Cli.RunAsync("connect", "dev", "--", "-X", "-v", "ON_ERROR_STOP=1", "-c", "select * from no_such_table");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no_such_table", result.Stderr);
    }

    [Fact]
    public async Task Connect_PsqlMissing_SaysHowToInstallIt()
    {
        _kit.Cli.Environment["IAMDB_PSQL"] = "/nonexistent/psql";

        var result = await _kit.Cli.RunAsync("connect", "dev");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("psql is not installed", result.Stderr);
        Assert.Contains("apt-get install postgresql-client", result.Stderr);
    }

    [Fact]
    public async Task Url_NpgsqlAndLibpqAndPgpass_ParseAndLogIn()
    {
        var npgsql = await _kit.Cli.RunAsync("url", "dev", "--format", "npgsql");
        var libpq = await _kit.Cli.RunAsync("url", "dev", "--format", "libpq");
        var pgpass = await _kit.Cli.RunAsync("url", "dev", "--format", "pgpass");
        var env = await _kit.Cli.RunAsync("url", "dev", "--format", "env");

        Assert.True(npgsql.ExitCode == ExitCodes.Ok, npgsql.ToString());
        var json = await _kit.Cli.RunAsync("url", "dev", "--format", "npgsql", "--output", "json");
        using var document = JsonDocument.Parse(json.Stdout);
        var password = document.RootElement.GetProperty("DbPassword").GetString()!;
        var builder = new NpgsqlConnectionStringBuilder(npgsql.Stdout.Trim()) { Pooling = false };
        Assert.Null(builder.Password);
        builder.Password = password;
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand("select current_user", connection);
            Assert.Equal("cli_conn", await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        // The cache hands every format the same credential.
        var uri = new Uri(libpq.Stdout.Trim());
        Assert.Equal("postgresql", uri.Scheme);
        Assert.Equal(postgres.Server.Port, uri.Port);
        Assert.Equal("/" + _database, uri.AbsolutePath);
        Assert.Equal(builder.Username, Uri.UnescapeDataString(uri.UserInfo));
        var pgpassLine = pgpass.Stdout.Trim();
        Assert.True(pgpassLine.EndsWith(":" + builder.Password, StringComparison.Ordinal), "the .pgpass line ends with the password");
        Assert.Equal($"127.0.0.1:{postgres.Server.Port}:{_database}:{builder.Username!.Replace(":", "\\:", StringComparison.Ordinal)}:", pgpassLine[..^builder.Password!.Length]);
        Assert.Contains($"export PGUSER='{builder.Username}'", env.Stdout);
        Assert.Contains($"export PGDATABASE='{_database}'", env.Stdout);
    }

    [Fact]
    public async Task Url_JdbcForms_FollowTheEngine_AndCarryNoPassword()
    {
        var jdbc = await _kit.Cli.RunAsync("url", "dev", "--format", "jdbc", "--output", "json");
        var iam = await _kit.Cli.RunAsync("url", "dev", "--format", "jdbc-iam");
        var odbcIam = await _kit.Cli.RunAsync("url", "dev", "--format", "odbc-iam");

        Assert.True(jdbc.ExitCode == ExitCodes.Ok, jdbc.ToString());
        using var json = JsonDocument.Parse(jdbc.Stdout);
        Assert.Equal("jdbc", json.RootElement.GetProperty("Format").GetString());
        Assert.StartsWith($"jdbc:postgresql://127.0.0.1:{postgres.Server.Port}/{_database}?user=", json.RootElement.GetProperty("Value").GetString());
        Assert.DoesNotContain("password", json.RootElement.GetProperty("Value").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("postgresql", json.RootElement.GetProperty("Driver").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("DbPassword").GetString()));
        Assert.True(json.RootElement.TryGetProperty("Expiration", out var expiration) && expiration.GetString() is not null);
        Assert.StartsWith("jdbc:redshift:iam://", iam.Stdout);
        Assert.Contains("DbUser=cli_conn", iam.Stdout);
        Assert.DoesNotContain("password", iam.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("IAM=1", odbcIam.Stdout);
    }

    [Fact]
    public async Task Url_Help_ListsEveryFormatLowerCase()
    {
        var help = await _kit.Cli.RunAsync("url", "--help");

        Assert.Contains("--format <libpq|keywords|psql|jdbc|jdbc-iam|odbc|odbc-iam|npgsql|env|pgpass>", help.Stdout);
        Assert.Contains("--driver <postgresql|redshift>", help.Stdout);
        Assert.DoesNotContain("JdbcIam", help.Stdout);
    }

    [Fact]
    public async Task UrlAndConnect_WorkForAUserWithOnlyTheGeneratedPolicy()
    {
        var (cluster, database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_policy");
        var generated = await _kit.Cli.RunAsync("policy", "generate", "--cluster", cluster, "--db-user", "cli_policy", "--db-name", database, "--region", "us-east-1");
        Assert.True(generated.ExitCode == ExitCodes.Ok, generated.ToString());
        var (keyId, secret, _) = await _kit.CreateUserWithKeyAsync("only-generated");
        var policy = await _kit.IamAsync("CreatePolicy", ("PolicyName", "only-generated"), ("PolicyDocument", generated.Stdout));
        await _kit.IamAsync("AttachUserPolicy", ("UserName", "only-generated"), ("PolicyArn", policy.Result.Text("Policy", "Arn")!));
        var add = await _kit.Cli.RunAsync("env", "add", "scoped", "--endpoint-url", _kit.Endpoint, "--cluster", cluster, "--db-name", database, "--db-user", "cli_policy");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        _kit.Cli.Environment["AWS_ACCESS_KEY_ID"] = keyId;
        _kit.Cli.Environment["AWS_SECRET_ACCESS_KEY"] = secret;

        var url = await _kit.Cli.RunAsync("url", "scoped", "--format", "keywords");
        var connect = await _kit.Cli.RunAsync("connect", "scoped", "--", "-X", "-A", "-t", "-c", "select current_user || '|' || current_database()");

        Assert.True(url.ExitCode == ExitCodes.Ok, url.ToString());
        Assert.Contains("cli_policy", url.Stdout);
        Assert.True(connect.ExitCode == 0, connect.ToString());
        Assert.Equal($"cli_policy|{database}", connect.Stdout.Trim());
    }
}
