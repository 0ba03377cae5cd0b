using System.Security.Cryptography;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Cli.Tests.Configuration;

/// <summary>
/// <c>iamdb server --config FILE</c> as a process, the way an operator meets a broken configuration: every problem at
/// once, a missing master key with the command that creates one, the store's password only from <c>password_env</c>, and
/// a refused store login that says it is the store.
/// </summary>
public sealed class ServerConfigErrorTests(PostgresServerFixture postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iamdb-config-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int ExitCode, string Stdout, string Stderr)> ServeAsync(string toml, Dictionary<string, string>? environment = null)
    {
        var config = Path.Combine(_dir, "broker.toml");
        await File.WriteAllTextAsync(config, toml, TestContext.Current.CancellationToken);
        return await IamdbProcess.RunAsync(["server", "--config", config], environment);
    }

    [Fact]
    public async Task EveryProblem_IsReportedAtOnce_AnUnknownKeyHidesNothing()
    {
        var missingKey = Path.Combine(_dir, "keys", "master.key");
        var (exitCode, stdout, stderr) = await ServeAsync(
            $"""
             urls = ["ftp://127.0.0.1:1"]
             region = "moon"
             colour = "blue"
             data_dir = "{_dir}/data"
             master_key_file = "{missingKey}"
             [throttling]
             burst = 0
             [tls]
             certificat = "server.pem"
             """);

        Assert.True(exitCode == ExitCodes.Usage, stderr);
        Assert.DoesNotContain("IamDb ready", stdout, StringComparison.Ordinal);
        Assert.Contains("colour: unknown setting", stderr, StringComparison.Ordinal);
        Assert.Contains("tls.certificat: unknown setting", stderr, StringComparison.Ordinal);
        Assert.Contains("url `ftp://127.0.0.1:1`", stderr, StringComparison.Ordinal);
        Assert.Contains("region `moon`", stderr, StringComparison.Ordinal);
        Assert.Contains("throttling burst: must be at least 1", stderr, StringComparison.Ordinal);
        Assert.Contains($"master_key_file `{missingKey}`: the file does not exist", stderr, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task MasterKeyFile_ReadableByOthers_OrNotAKey_IsRefusedWithTheFix()
    {
        var key = Path.Combine(_dir, "master.key");
        await File.WriteAllTextAsync(key, "not a key\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var open = await ServeAsync($"data_dir = \"{_dir}/data\"\nmaster_key_file = \"{key}\"\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var garbage = await ServeAsync($"data_dir = \"{_dir}/data\"\nmaster_key_file = \"{key}\"\n");

        Assert.True(open.ExitCode == ExitCodes.Usage, open.Stderr);
        Assert.Contains($"chmod 600 {key}", open.Stderr, StringComparison.Ordinal);
        Assert.True(garbage.ExitCode == ExitCodes.Usage, garbage.Stderr);
        Assert.Contains("not valid base64", garbage.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordInTheStoreConnectionString_IsRefused_AndNotEchoed()
    {
        const string password = "Sup3r-s3cret-store-pw";
        var (exitCode, _, stderr) = await ServeAsync(
            $"""
             data_dir = "{_dir}/data"
             [store]
             kind = "postgres"
             connection_string = "Host=127.0.0.1;Port=1;Database=iamdb;Username=iamdb;Password={password}"
             """);

        Assert.True(exitCode == ExitCodes.Usage, stderr);
        Assert.Contains("store.connection_string: holds a password", stderr, StringComparison.Ordinal);
        Assert.Contains("password_env", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(password, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordEnvNotSet_IsReported()
    {
        var (exitCode, _, stderr) = await ServeAsync(
            $"""
             data_dir = "{_dir}/data"
             [store]
             kind = "postgres"
             connection_string = "Host=127.0.0.1;Port=1;Database=iamdb;Username=iamdb"
             password_env = "IAMDB_TEST_UNSET_STORE_PASSWORD"
             """);

        Assert.True(exitCode == ExitCodes.Usage, stderr);
        Assert.Contains("`IAMDB_TEST_UNSET_STORE_PASSWORD` is not set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongStorePassword_SaysTheStateStoreRefused_NotACluster_AndRightPasswordStarts()
    {
        var database = await postgres.CreateDatabaseAsync("storeauth");
        var target = new NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString(database));
        var rightPassword = target.Password!;
        target.Password = null;
        const string wrongPassword = "definitely-not-the-password";
        var toml = $"""
                    urls = ["http://127.0.0.1:0"]
                    data_dir = "{_dir}/data"
                    master_key_env = "IAMDB_TEST_MASTER_KEY"
                    [store]
                    kind = "postgres"
                    connection_string = "{target.ConnectionString}"
                    password_env = "IAMDB_TEST_STORE_PASSWORD"
                    """;
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        var (exitCode, _, stderr) = await ServeAsync(toml, new() { ["IAMDB_TEST_MASTER_KEY"] = masterKey, ["IAMDB_TEST_STORE_PASSWORD"] = wrongPassword });
        var config = Path.Combine(_dir, "broker.toml");
        await using var started = await BrokerProcess.StartAsync(
            ["server", "--config", config], Path.Combine(_dir, "data"), new Dictionary<string, string> { ["IAMDB_TEST_MASTER_KEY"] = masterKey, ["IAMDB_TEST_STORE_PASSWORD"] = rightPassword });

        Assert.True(exitCode == ExitCodes.Failure, stderr);
        Assert.Contains("state store", stderr, StringComparison.Ordinal);
        Assert.Contains("refused the login", stderr, StringComparison.Ordinal);
        Assert.Contains("not a cluster", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongPassword, stderr, StringComparison.Ordinal);
        Assert.StartsWith("http://127.0.0.1:", started.Endpoint, StringComparison.Ordinal);
    }
}
