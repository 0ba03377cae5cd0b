using System.Diagnostics;
using IamDb.Client.ConnectionStrings;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Client.Tests.ConnectionStrings;

/// <summary>Every format round-trips a login full of special characters; the libpq forms log in with psql for real.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection(nameof(Support.SharedPostgresServer))]
public sealed class ConnectionStringFormatTests(PostgresServerFixture postgres)
{
    private const string TrickyUser = "IAM:o'brien:grp @x";
    private const string TrickyPassword = "p@ss:w/rd?&=;{x}} 'q' \\b%20+";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DatabaseLogin Login(string host = "examplecluster.abc123.us-east-1.redshift.amazonaws.com", int port = 5439, string database = "dev db;{1}") => new()
    {
        Host = host,
        Port = port,
        Database = database,
        User = TrickyUser,
        Password = TrickyPassword,
        SslMode = SslMode.VerifyFull,
        RootCertificate = "/etc/ssl/redshift ca,bundle.pem",
    };

    [Fact]
    public void Jdbc_CarriesEveryValueUrlEncoded_AndNoPassword()
    {
        var url = ConnectionStringFormats.Jdbc(Login());

        var (iam, authority, database, options) = ConnectionStringParsers.Jdbc(url);

        Assert.StartsWith("jdbc:redshift://", url);
        Assert.False(iam);
        Assert.Equal("examplecluster.abc123.us-east-1.redshift.amazonaws.com:5439", authority);
        Assert.Equal("dev db;{1}", database);
        Assert.Equal(TrickyUser, options["user"]);
        Assert.DoesNotContain("password", options.Keys);
        Assert.Equal("true", options["ssl"]);
        Assert.Equal("verify-full", options["sslmode"]);
        Assert.Equal("/etc/ssl/redshift ca,bundle.pem", options["sslrootcert"]);
    }

    [Fact]
    public void Jdbc_ForPostgreSql_IsPgjdbcsUrl_WithTheRootCertificateOnlyWhenTheModeVerifies()
    {
        var login = Login() with { Engine = DatabaseEngine.PostgreSql };

        var url = ConnectionStringFormats.Jdbc(login);
        var require = ConnectionStringFormats.Jdbc(login with { SslMode = SslMode.Require });

        Assert.StartsWith("jdbc:postgresql://examplecluster.abc123.us-east-1.redshift.amazonaws.com:5439/", url);
        var options = ConnectionStringParsers.Jdbc(url.Replace("jdbc:postgresql:", "jdbc:redshift:", StringComparison.Ordinal)).Options;
        Assert.Equal(TrickyUser, options["user"]);
        Assert.Equal("verify-full", options["sslmode"]);
        Assert.Equal("/etc/ssl/redshift ca,bundle.pem", options["sslrootcert"]);
        Assert.DoesNotContain("password", options.Keys);
        Assert.DoesNotContain("sslrootcert", require, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(TrickyPassword), url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql", DatabaseEngine.PostgreSql)]
    [InlineData("PostgreSQL", DatabaseEngine.PostgreSql)]
    [InlineData("ra3.xlplus", DatabaseEngine.Redshift)]
    [InlineData("dc2.large", DatabaseEngine.Redshift)]
    [InlineData(null, DatabaseEngine.Redshift)]
    public void EngineOf_NodeTypePostgresqlIsPostgreSql_AnythingElseRedshift(string? nodeType, DatabaseEngine expected) =>
        Assert.Equal(expected, ConnectionStringFormats.EngineOf(nodeType));

    [Fact]
    public void TheLibpqForms_CarryNoPassword_AndPsqlQuotesForTheShell()
    {
        var login = Login();

        Assert.DoesNotContain(TrickyPassword, ConnectionStringFormats.LibpqKeywords(login), StringComparison.Ordinal);
        Assert.DoesNotContain("password", ConnectionStringFormats.LibpqKeywords(login), StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(TrickyPassword), ConnectionStringFormats.LibpqUri(login), StringComparison.Ordinal);
        Assert.StartsWith($"postgresql://{Uri.EscapeDataString(TrickyUser)}@examplecluster", ConnectionStringFormats.LibpqUri(login));
        Assert.Equal("psql '" + ConnectionStringFormats.LibpqKeywords(login).Replace("'", "'\\''", StringComparison.Ordinal) + "'", ConnectionStringFormats.PsqlCommand(login));
        Assert.Null(new NpgsqlConnectionStringBuilder(ConnectionStringFormats.Npgsql(login, includePassword: false)).Password);
    }

    [Fact]
    public void Odbc_ForPostgreSql_NamesPsqlOdbc_AndPassesTheRootCertificateThroughPqopt()
    {
        var options = ConnectionStringParsers.Odbc(ConnectionStringFormats.Odbc(Login() with { Engine = DatabaseEngine.PostgreSql }));
        var named = ConnectionStringParsers.Odbc(ConnectionStringFormats.Odbc(Login() with { Engine = DatabaseEngine.PostgreSql }, "PostgreSQL ANSI"));

        Assert.Equal("PostgreSQL Unicode", options["Driver"]);
        Assert.Equal("PostgreSQL ANSI", named["Driver"]);
        Assert.Equal("sslrootcert='/etc/ssl/redshift ca,bundle.pem'", options["pqopt"]);
        Assert.Equal(TrickyPassword, options["PWD"]);
    }

    [Fact]
    public void JdbcIam_UsesClusterAndRegion_AndNamesTheEndpointOnlyWhenItIsNotAws()
    {
        var settings = new IamConnectionSettings
        {
            ClusterIdentifier = "examplecluster",
            Region = "us-west-2",
            Database = "dev",
            DbUser = "adam",
            DbGroups = ["analysts", "etl"],
            AutoCreate = true,
            DurationSeconds = 1800,
            EndpointUrl = new Uri("http://127.0.0.1:8475/"),
        };

        var broker = ConnectionStringParsers.Jdbc(ConnectionStringFormats.JdbcIam(settings));
        var aws = ConnectionStringParsers.Jdbc(ConnectionStringFormats.JdbcIam(settings with { EndpointUrl = new Uri("https://redshift.us-west-2.amazonaws.com") }));

        Assert.True(broker.Iam);
        Assert.Equal("examplecluster:us-west-2", broker.Authority);
        Assert.Equal("dev", broker.Database);
        Assert.Equal("adam", broker.Options["DbUser"]);
        Assert.Equal("analysts,etl", broker.Options["DbGroups"]);
        Assert.Equal("true", broker.Options["AutoCreate"]);
        Assert.Equal("1800", broker.Options["IAMDuration"]);
        Assert.Equal("http://127.0.0.1:8475", broker.Options["EndpointUrl"]);
        Assert.DoesNotContain("EndpointUrl", aws.Options.Keys);
        Assert.DoesNotContain("password", broker.Options.Keys);
    }

    [Fact]
    public void Odbc_BracesValuesWithSpecialCharacters_AndDoublesClosingBraces()
    {
        var text = ConnectionStringFormats.Odbc(Login());

        var options = ConnectionStringParsers.Odbc(text);

        Assert.StartsWith("Driver={Amazon Redshift ODBC Driver (x64)};", text);
        Assert.Equal(TrickyPassword, options["PWD"]);
        Assert.Equal(TrickyUser, options["UID"]);
        Assert.Equal("dev db;{1}", options["Database"]);
        Assert.Equal("5439", options["Port"]);
        Assert.Equal("verify-full", options["SSLMode"]);
    }

    [Fact]
    public void OdbcIam_IsTheDriversIamForm()
    {
        var text = ConnectionStringFormats.OdbcIam(new IamConnectionSettings
        {
            ClusterIdentifier = "examplecluster",
            Region = "us-west-2",
            Database = "dev",
            DbUser = "adam",
            DbGroups = ["analysts", "etl"],
            AutoCreate = true,
            EndpointUrl = new Uri("http://127.0.0.1:8475"),
            Profile = "default",
        });

        var options = ConnectionStringParsers.Odbc(text);

        Assert.Equal("1", options["IAM"]);
        Assert.Equal("examplecluster", options["ClusterId"]);
        Assert.Equal("us-west-2", options["Region"]);
        Assert.Equal("adam", options["DbUser"]);
        Assert.Equal("analysts,etl", options["DbGroups"]);
        Assert.Equal("1", options["AutoCreate"]);
        Assert.Equal("http://127.0.0.1:8475", options["EndpointUrl"]);
        Assert.Equal("default", options["Profile"]);
        Assert.DoesNotContain("PWD", options.Keys);
    }

    [Fact]
    public void Npgsql_RoundTripsThroughItsBuilder()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionStringFormats.Npgsql(Login()));

        Assert.Equal(TrickyUser, builder.Username);
        Assert.Equal(TrickyPassword, builder.Password);
        Assert.Equal("dev db;{1}", builder.Database);
        Assert.Equal(SslMode.VerifyFull, builder.SslMode);
        Assert.Equal("/etc/ssl/redshift ca,bundle.pem", builder.RootCertificate);
    }

    [Fact]
    public void Pgpass_EscapesColonsAndBackslashes()
    {
        var line = ConnectionStringFormats.PgpassLine(Login());

        // libpq's reading: a backslash takes the next character literally; an unescaped colon ends a field.
        var fields = new List<string> { string.Empty };
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\')
            {
                fields[^1] += line[++i];
            }
            else if (line[i] == ':')
            {
                fields.Add(string.Empty);
            }
            else
            {
                fields[^1] += line[i];
            }
        }

        Assert.Equal(["examplecluster.abc123.us-east-1.redshift.amazonaws.com", "5439", "dev db;{1}", TrickyUser, TrickyPassword], fields);
    }

    [Fact]
    public async Task TheLibpqForms_EnvironmentAndPgpass_LogInWithPsql()
    {
        var database = await postgres.CreateDatabaseAsync("cs");
        await using (var admin = postgres.CreateDataSource())
        {
            var role = TrickyUser.Replace("\"", "\"\"");
            var password = TrickyPassword.Replace("'", "''");
            await admin.CreateCommand($"DROP ROLE IF EXISTS \"{role}\"").ExecuteNonQueryAsync(Ct);
            await admin.CreateCommand($"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'").ExecuteNonQueryAsync(Ct);
        }

        var login = new DatabaseLogin
        {
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            Database = database,
            User = TrickyUser,
            Password = TrickyPassword,
            SslMode = SslMode.Disable,
        };
        var expected = $"{TrickyUser}|{database}";
        const string query = "SELECT session_user || '|' || current_database()";

        var withPassword = new Dictionary<string, string> { ["PGPASSWORD"] = TrickyPassword };
        Assert.Equal(expected, await PsqlAsync([ConnectionStringFormats.LibpqUri(login), "-Atc", query], withPassword));
        Assert.Equal(expected, await PsqlAsync([ConnectionStringFormats.LibpqKeywords(login), "-Atc", query], withPassword));
        Assert.Equal(expected, await PsqlAsync(["-Atc", query], ConnectionStringFormats.EnvironmentVariables(login)));

        var pgpass = Path.Combine(Path.GetTempPath(), $"iamdb-pgpass-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(pgpass, ConnectionStringFormats.PgpassLine(login) + "\n", Ct);
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            var withoutPassword = ConnectionStringFormats.EnvironmentVariables(login).Where(v => v.Key != "PGPASSWORD")
                .Append(new("PGPASSFILE", pgpass)).ToDictionary();
            Assert.Equal(expected, await PsqlAsync(["-w", "-Atc", query], withoutPassword));
        }
        finally
        {
            File.Delete(pgpass);
        }

        await using var npgsql = new NpgsqlConnection(ConnectionStringFormats.Npgsql(login));
        await npgsql.OpenAsync(Ct);
        Assert.Equal(expected, await new NpgsqlCommand(query, npgsql).ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task ShellExports_SurviveAPosixShell()
    {
        var exports = ConnectionStringFormats.ShellExports(Login());

        var start = new ProcessStartInfo("/bin/sh", ["-c", exports + "printf '%s' \"$PGPASSWORD\""]) { RedirectStandardOutput = true };
        using var shell = Process.Start(start)!;
        var output = await shell.StandardOutput.ReadToEndAsync(Ct);
        await shell.WaitForExitAsync(Ct);

        Assert.Equal(TrickyPassword, output);
    }

    private static async Task<string> PsqlAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var psql = Process.Start(start)!;
        psql.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var output = await psql.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = await psql.StandardError.ReadToEndAsync(timeout.Token);
        await psql.WaitForExitAsync(timeout.Token);
        Assert.True(psql.ExitCode == 0, "psql failed: " + error.Replace(TrickyPassword, "***", StringComparison.Ordinal));
        return output.TrimEnd('\n');
    }
}
