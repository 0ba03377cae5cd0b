using System.Diagnostics;
using System.Globalization;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Cli.Tests.Broker;

/// <summary>
/// Verified TLS for clients: <c>iamdb url</c>/<c>iamdb connect</c> fetch the cluster's CA with
/// <c>DescribeClusterCertificate</c>, cache it next to the credential cache, default to <c>verify-full</c> with it, and
/// the real psql verifies the server with it.
/// </summary>
public sealed class VerifiedTlsTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private BrokerKit _kit = null!;
    private string _cluster = string.Empty;
    private string _database = string.Empty;
    private string _rootPem = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _kit = await BrokerKit.StartAsync(postgres);
        _database = await postgres.CreateDatabaseAsync("tls");
        _cluster = "v" + Guid.NewGuid().ToString("N")[..12];
        _rootPem = await File.ReadAllTextAsync(postgres.Server.RootCertificatePath!, TestContext.Current.CancellationToken);
        _kit.Cli.Environment["TEST_PG_ADMIN_PASSWORD"] = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString()).Password;
        var add = await _kit.RunAsync("clusters", "add", _cluster, "--host", postgres.Server.Host, "--port", postgres.Server.Port.ToString(CultureInfo.InvariantCulture),
            "--database", _database, "--admin-user", postgres.Server.SuperUser, "--admin-password-env", "TEST_PG_ADMIN_PASSWORD",
            "--ssl-mode", "verify-full", "--ssl-root-cert", postgres.Server.RootCertificatePath!);
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
        await _kit.CreateRoleAsync("cli_tls");
        var env = await _kit.Cli.RunAsync("env", "add", "tls", "--endpoint-url", _kit.Endpoint, "--cluster", _cluster, "--db-name", _database, "--db-user", "cli_tls");
        Assert.True(env.ExitCode == ExitCodes.Ok, env.ToString());
    }

    public async ValueTask DisposeAsync() => await _kit.DisposeAsync();

    private string CachedCertificate() => Path.Combine(_kit.Cli.Directory, ".cache", "iamdb", "certificates");

    [Fact]
    public async Task Client_DescribeClusterCertificate_ReturnsTheRegisteredRoot()
    {
        var answer = await _kit.Root.Redshift.DescribeClusterCertificateAsync(_cluster, TestContext.Current.CancellationToken);

        Assert.Equal(_cluster, answer.ClusterIdentifier);
        Assert.Equal("verify-full", answer.SslMode);
        Assert.Equal(_rootPem, answer.CertificatePem);
    }

    [Fact]
    public async Task Connect_DefaultsToVerifyFull_WithTheBrokersCa_AndPsqlLogsIn()
    {
        var login = await _kit.Cli.RunAsync("connect", "tls", "--", "-X", "-A", "-t",
            "-c", "select current_user");
        var result = await _kit.Cli.RunAsync("connect", "tls", "--", "-X", "-A", "-t",
            "-c", @"\getenv mode PGSSLMODE", "-c", @"\getenv root PGSSLROOTCERT", "-c", @"\echo :mode :root");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal("cli_tls", login.Stdout.Trim()); // libpq with verify-full: TLS, the server's certificate checked against the CA
        Assert.True(result.ExitCode == 0, result.ToString());
        var modeAndRoot = result.Stdout.Trim().Split(' ', 2);
        Assert.True(modeAndRoot.Length == 2, result.ToString());
        Assert.Equal("verify-full", modeAndRoot[0]);
        Assert.StartsWith(CachedCertificate() + Path.DirectorySeparatorChar, modeAndRoot[1], StringComparison.Ordinal);
        Assert.Equal(_rootPem, await File.ReadAllTextAsync(modeAndRoot[1], TestContext.Current.CancellationToken));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(CachedCertificate()));
        }
    }

    [Fact]
    public async Task UrlLibpq_VerifyFull_CarriesSslRootCert_ThatPsqlAccepts_AndAWrongCaIsRefused()
    {
        var url = await _kit.Cli.RunAsync("url", "tls", "--format", "libpq", "--sslmode", "verify-full");
        var json = await _kit.Cli.RunAsync("url", "tls", "--format", "libpq", "--sslmode", "verify-full", "--output", "json");
        Assert.True(url.ExitCode == ExitCodes.Ok, url.ToString());
        var conninfo = url.Stdout.Trim();
        Assert.Contains("sslmode=verify-full", conninfo, StringComparison.Ordinal);
        Assert.Contains("sslrootcert=", conninfo, StringComparison.Ordinal);
        // The URI carries no password: it comes from --output json (DbPassword) into PGPASSWORD.
        using var document = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var password = document.RootElement.GetProperty("DbPassword").GetString()!;

        var ok = await PsqlAsync(conninfo, password);
        Assert.True(ok.ExitCode == 0, ok.Output);
        Assert.Equal("cli_tls", ok.Output.Trim());

        // The same login against a CA that did not sign the server's certificate: psql refuses the server.
        var otherCa = Path.Combine(_kit.Cli.Directory, "other-ca.pem");
        await File.WriteAllTextAsync(otherCa, TestCertificates.CreateCa("not the cluster's CA").CertificatePem, TestContext.Current.CancellationToken);
        var wrong = await _kit.Cli.RunAsync("url", "tls", "--format", "libpq", "--sslmode", "verify-full", "--ssl-root-cert", otherCa);
        Assert.True(wrong.ExitCode == ExitCodes.Ok, wrong.ToString());
        Assert.Contains("sslrootcert=" + Uri.EscapeDataString(otherCa), wrong.Stdout, StringComparison.Ordinal);
        var refused = await PsqlAsync(wrong.Stdout.Trim(), password);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("certificate verify failed", refused.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_ClusterWithoutCa_DefaultsToRequire_DropsTheCachedCopy_AndVerifyFullSaysWhatIsMissing()
    {
        var before = await _kit.Cli.RunAsync("url", "tls", "--format", "env");
        Assert.Contains("PGSSLMODE='verify-full'", before.Stdout, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(CachedCertificate(), "*.pem"));

        var update = await _kit.RunAsync("clusters", "update", _cluster, "--ssl-mode", "require", "--no-ssl-root-cert");
        Assert.True(update.ExitCode == ExitCodes.Ok, update.ToString());

        var after = await _kit.Cli.RunAsync("url", "tls", "--format", "env");
        var asked = await _kit.Cli.RunAsync("url", "tls", "--format", "env", "--sslmode", "verify-full");

        Assert.True(after.ExitCode == ExitCodes.Ok, after.ToString());
        Assert.Contains("PGSSLMODE='require'", after.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("PGSSLROOTCERT", after.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(CachedCertificate(), "*.pem"));
        Assert.True(asked.ExitCode == ExitCodes.Ok, asked.ToString());
        Assert.Contains("PGSSLMODE='verify-full'", asked.Stdout, StringComparison.Ordinal);
        Assert.Contains($"the broker has no CA certificate for cluster {_cluster}", asked.Stderr, StringComparison.Ordinal);
        Assert.Contains("--ssl-root-cert FILE", asked.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_SslRootCertThatDoesNotExist_IsAUsageError()
    {
        var result = await _kit.Cli.RunAsync("url", "tls", "--ssl-root-cert", Path.Combine(_kit.Cli.Directory, "missing.pem"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--ssl-root-cert", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file", result.Stderr, StringComparison.Ordinal);
    }

    // psql with the conninfo as printed and the password from the environment only.
    private static async Task<(int ExitCode, string Output)> PsqlAsync(string conninfo, string password)
    {
        var start = new ProcessStartInfo("psql") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-X", "-A", "-t", "-d", conninfo, "-c", "select current_user" })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["PGPASSWORD"] = password;
        start.Environment["PGCONNECT_TIMEOUT"] = "15";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
