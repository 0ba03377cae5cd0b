using System.Diagnostics;
using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Cli.Tests.Drivers;

/// <summary>
/// Each real driver connects with the string exactly as <c>iamdb url</c> prints it for a broker's PostgreSQL cluster
/// (plus the password where the format says it goes: the JDBC <c>password</c> property, <c>PGPASSWORD</c>, Npgsql's
/// <c>Password</c>), runs <c>select current_user, current_database()</c> and gets the credential's user and database.
/// The drivers come from Debian (pgjdbc, psqlODBC, psycopg2, psql) and npm (node-postgres, tests/drivers); scripts/test.sh
/// installs them. One JVM and one Node process for all their cases.
/// </summary>
public sealed class RealDriverTests(RealDriverTests.Setup setup) : IClassFixture<RealDriverTests.Setup>
{
    /// <summary>The TLS mode every case asks for.</summary>
    private const string SslMode = "verify-full";

    private const string DbUser = "drv_user";
    private const string PgjdbcJar = "/usr/share/java/postgresql.jar";
    private readonly BrokerKit _kit = setup.Kit;
    private readonly string _database = setup.Database;
    private readonly PostgresServerFixture _postgres = setup.Postgres;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One broker, cluster and saved environment <c>dev</c> for every case (the credential cache serves them all).</summary>
    public sealed class Setup(PostgresServerFixture postgres) : IAsyncLifetime
    {
        public BrokerKit Kit { get; private set; } = null!;

        public string Database { get; private set; } = string.Empty;

        public PostgresServerFixture Postgres => postgres;

        public async ValueTask InitializeAsync()
        {
            Kit = await BrokerKit.StartAsync(postgres);
            Database = await postgres.CreateDatabaseAsync("drv");
            var cluster = "d" + Guid.NewGuid().ToString("N")[..12];
            // The cluster's CA is registered with the broker, which hands it to iamdb url (DescribeClusterCertificate).
            Kit.Cli.Environment["TEST_PG_ADMIN_PASSWORD"] = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password;
            var registered = await Kit.RunAsync("clusters", "add", cluster, "--host", postgres.Server.Host, "--port", postgres.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--database", Database, "--admin-user", postgres.Server.SuperUser, "--admin-password-env", "TEST_PG_ADMIN_PASSWORD",
                "--ssl-mode", "verify-full", "--ssl-root-cert", postgres.Server.RootCertificatePath!);
            Assert.True(registered.ExitCode == ExitCodes.Ok, registered.ToString());
            await Kit.CreateRoleAsync(DbUser);
            var add = await Kit.Cli.RunAsync("env", "add", "dev", "--endpoint-url", Kit.Endpoint, "--cluster", cluster, "--db-name", Database, "--db-user", DbUser);
            Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        }

        public async ValueTask DisposeAsync() => await Kit.DisposeAsync();
    }

    /// <summary><c>iamdb url dev --format F --output json</c>: the printed string and the password it leaves out.</summary>
    private async Task<(string Value, string Password)> UrlAsync(string format, params string[] more)
    {
        var result = await _kit.Cli.RunAsync(["url", "dev", "--format", format, "--sslmode", SslMode, "--output", "json", .. more]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        // The login role the broker issued (IAM:drv_user:…) acts as drv_user: current_user is the base user.
        Assert.StartsWith($"IAM:{DbUser}:", json.RootElement.GetProperty("DbUser").GetString());
        return (json.RootElement.GetProperty("Value").GetString()!, json.RootElement.GetProperty("DbPassword").GetString()!);
    }

    /// <summary>The text output, exactly as a person would copy it.</summary>
    private async Task<string> UrlTextAsync(string format, params string[] more)
    {
        var result = await _kit.Cli.RunAsync(["url", "dev", "--format", format, "--sslmode", SslMode, .. more]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        return result.Stdout.TrimEnd('\n');
    }

    [Fact]
    public async Task EveryFormat_ThePrintedStringNeverContainsThePassword_ExceptTheSecretForms()
    {
        var secret = new HashSet<string>(StringComparer.Ordinal) { "odbc", "env", "pgpass" };
        string[] formats = ["libpq", "keywords", "psql", "jdbc", "jdbc-iam", "odbc", "odbc-iam", "npgsql", "env", "pgpass"];
        var password = (await UrlAsync("libpq")).Password;
        var encodings = new[] { password, Uri.EscapeDataString(password) };

        foreach (var format in formats)
        {
            var json = await _kit.Cli.RunAsync("url", "dev", "--format", format, "--sslmode", SslMode, "--output", "json");
            Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
            using var document = JsonDocument.Parse(json.Stdout);
            var value = document.RootElement.GetProperty("Value").GetString()!;
            if (format is "jdbc" or "libpq" or "psql")
            {
                // Text mode prints the same string on stdout; the note on stderr says where the password goes, without it.
                var text = await _kit.Cli.RunAsync("url", "dev", "--format", format, "--sslmode", SslMode);
                Assert.Equal(value, text.Stdout.TrimEnd('\n'));
                Assert.Contains("password", text.Stderr, StringComparison.Ordinal);
                Assert.False(encodings.Any(e => text.Stderr.Contains(e, StringComparison.Ordinal)), $"{format}: the password is on stderr");
            }

            if (format == "odbc")
            {
                Assert.True(value.Contains(";PWD=", StringComparison.Ordinal), "odbc carries the password as PWD=, as it must");
            }
            else if (!secret.Contains(format))
            {
                Assert.False(encodings.Any(e => value.Contains(e, StringComparison.Ordinal)), $"{format}: the printed string contains the password");
            }

            var iam = format.EndsWith("-iam", StringComparison.Ordinal);
            Assert.Equal(iam ? JsonValueKind.Null : JsonValueKind.String, document.RootElement.GetProperty("DbPassword").ValueKind);
            Assert.Equal(iam ? JsonValueKind.Null : JsonValueKind.String, document.RootElement.GetProperty("Expiration").ValueKind);
            Assert.Equal(iam ? JsonValueKind.Null : JsonValueKind.String, document.RootElement.GetProperty("DbUser").ValueKind);
        }
    }

    [Fact]
    public async Task Pgjdbc_ConnectsWithTheJdbcUrlAsPrinted_AndItsErrorsCannotCarryThePassword()
    {
        Require(File.Exists(PgjdbcJar), "pgjdbc", "libpostgresql-jdbc-java");
        var (url, password) = await UrlAsync("jdbc");
        var redshiftUrl = (await UrlAsync("jdbc", "--driver", "redshift")).Value;
        Assert.StartsWith($"jdbc:postgresql://127.0.0.1:{_postgres.Server.Port}/{_database}?user=", url);
        Assert.StartsWith("jdbc:redshift://", redshiftUrl);
        Assert.Contains($"sslmode={SslMode}&sslrootcert=", url);
        var wrongDatabase = url.Replace("/" + _database + "?", "/no_such_database?", StringComparison.Ordinal);

        var directory = Directory.CreateTempSubdirectory("iamdb-pgjdbc-").FullName;
        try
        {
            var source = Path.Combine(directory, "Probe.java");
            await File.WriteAllTextAsync(source, JavaProbe, Ct);
            // One JVM for every case; the password reaches it through the environment, never its arguments.
            var lines = await RunAsync("java", ["-cp", PgjdbcJar, source, url, wrongDatabase, redshiftUrl], new() { ["IAMDB_TEST_DB_PASSWORD"] = password }, password);

            Assert.Equal($"ok|{DbUser}|{_database}", lines[0]);
            Assert.StartsWith("error|", lines[1]);
            Assert.Contains("no_such_database", lines[1]);
            Assert.StartsWith("error|", lines[2]);
            Assert.Contains("No suitable driver", lines[2]);
            foreach (var line in lines)
            {
                Assert.DoesNotContain(password, line, StringComparison.Ordinal);
                Assert.DoesNotContain(Uri.EscapeDataString(password), line, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task PsqlOdbc_ConnectsWithTheOdbcStringAsPrinted()
    {
        Require(File.Exists("/usr/bin/isql"), "isql", "unixodbc");
        var (odbc, password) = await UrlAsync("odbc");
        Assert.StartsWith("Driver=PostgreSQL Unicode;", odbc);
        Assert.Contains(";pqopt={sslrootcert=", odbc);

        // isql -k hands the string to SQLDriverConnect as it is.
        var lines = await RunAsync("isql", ["-k", odbc, "-b", "-d|"], [], password, stdin: "select current_user, current_database()\n");

        Assert.Contains($"{DbUser}|{_database}", lines);
    }

    [Fact]
    public async Task Psycopg2_ConnectsWithTheKeywordsAndTheUriAsPrinted()
    {
        var (keywords, password) = await UrlAsync("keywords");
        var uri = await UrlTextAsync("libpq");
        const string script = """
            import sys, psycopg2
            for dsn in sys.argv[1:]:
                with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
                    cursor.execute("select current_user, current_database()")
                    print("|".join(cursor.fetchone()))
            """;

        var lines = await RunAsync("/usr/bin/python3", ["-c", script, keywords, uri], new() { ["PGPASSWORD"] = password }, password);

        Assert.Equal([$"{DbUser}|{_database}", $"{DbUser}|{_database}"], lines);
    }

    [Fact]
    public async Task NodePostgres_ConnectsWithTheUriAsPrinted()
    {
        var modules = Path.Combine(RepositoryRoot(), "tests", "drivers", "node_modules");
        Require(Directory.Exists(Path.Combine(modules, "pg")), "node-postgres", "npm ci in tests/drivers");
        var (uri, password) = await UrlAsync("libpq");
        Assert.Contains("sslrootcert=", uri);
        // node-postgres reads sslrootcert into ssl.ca itself and verifies the host name (verify-full).
        const string script = """
            const { Client } = require('pg');
            (async () => {
              const client = new Client({ connectionString: process.argv[1] });
              await client.connect();
              const result = await client.query('select current_user, current_database()');
              console.log(result.rows[0].current_user + '|' + result.rows[0].current_database);
              await client.end();
            })().catch(e => { console.log('error|' + e.message); process.exit(1); });
            """;

        var lines = await RunAsync(
            "node", ["-e", script, uri], new() { ["PGPASSWORD"] = password, ["NODE_PATH"] = modules, ["NODE_NO_WARNINGS"] = "1" }, password);

        Assert.Equal($"{DbUser}|{_database}", lines.Last());
    }

    [Fact]
    public async Task Psql_RunsTheCommandLineAsPrinted_WithThePasswordOnlyInItsEnvironment()
    {
        var (line, password) = await UrlAsync("psql");
        Assert.StartsWith("psql '", line);

        var lines = await RunAsync(
            "bash", ["-c", line + " -X -A -t -c \"$IAMDB_QUERY\""], new() { ["PGPASSWORD"] = password, ["IAMDB_QUERY"] = "select current_user || '|' || current_database()" }, password);

        Assert.Equal([$"{DbUser}|{_database}"], lines);
    }

    [Fact]
    public async Task Npgsql_ConnectsWithTheConnectionStringAsPrinted_PlusThePassword()
    {
        var (text, password) = await UrlAsync("npgsql");
        var builder = new NpgsqlConnectionStringBuilder(text) { Password = password, Pooling = false };

        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("select current_user || '|' || current_database()", connection);

        Assert.Equal($"{DbUser}|{_database}", await command.ExecuteScalarAsync(Ct));
        Assert.True(connection.ProcessID > 0);
    }

    private const string JavaProbe = """
        import java.sql.*;
        import java.util.Properties;

        public class Probe {
            public static void main(String[] urls) {
                for (String url : urls) {
                    Properties properties = new Properties();
                    properties.setProperty("password", System.getenv("IAMDB_TEST_DB_PASSWORD"));
                    try (Connection connection = DriverManager.getConnection(url, properties);
                         ResultSet row = connection.createStatement().executeQuery("select current_user, current_database()")) {
                        row.next();
                        System.out.println("ok|" + row.getString(1) + "|" + row.getString(2));
                    } catch (Exception e) {
                        StringBuilder text = new StringBuilder();
                        for (Throwable t = e; t != null; t = t.getCause()) {
                            text.append(t).append(" / ");
                        }
                        System.out.println("error|" + text.toString().replace('\n', ' '));
                    }
                }
            }
        }
        """;

    private static void Require(bool present, string driver, string package) =>
        Assert.True(present, $"{driver} is not installed: scripts/test.sh installs it ({package}).");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IamDb.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (IamDb.slnx) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a driver's process; a failure reports its output with the password masked.</summary>
    private static async Task<string[]> RunAsync(string program, string[] arguments, Dictionary<string, string> environment, string password, string? stdin = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"{program} is not installed: scripts/test.sh installs the drivers the tests use.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            string Mask(string text) => text.Replace(password, "***", StringComparison.Ordinal).Replace(Uri.EscapeDataString(password), "***", StringComparison.Ordinal);
            var output = await stdout;
            var error = await stderr;
            Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}\n--- stdout ---\n{Mask(output)}\n--- stderr ---\n{Mask(error)}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }
}
