using System.Text.Json;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Broker;
using IamDb.Client.Caching;
using IamDb.Client.Credentials;
using IamDb.Client.DataSources;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Cli.Tests.Security;

/// <summary>
/// A credential revoked (or otherwise refused) while it sits in the CLI's persistent cache: the next <c>iamdb connect</c>,
/// <c>iamdb url --check</c> and the library's data source reading the same cache file log in with a new credential
/// instead of failing with "password authentication failed" until the cached one expires.
/// </summary>
[Collection(nameof(RevocationRecoveryAlone))]
public sealed class RevokedCredentialRecoveryTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const string SessionUser = "select session_user";
    private BrokerKit _kit = null!;
    private string _cluster = string.Empty;
    private string _database = string.Empty;

    private string CacheFile => Path.Combine(_kit.Cli.Directory, ".cache", "iamdb", "credentials.json");

    public async ValueTask InitializeAsync()
    {
        _kit = await BrokerKit.StartAsync(postgres);
        _kit.Cli.Environment["XDG_CACHE_HOME"] = null;
        (_cluster, _database) = await _kit.AddClusterAsync();
        await _kit.CreateRoleAsync("cli_revokee");
        var add = await _kit.Cli.RunAsync("env", "add", "dev", "--endpoint-url", _kit.Endpoint, "--cluster", _cluster, "--db-name", _database, "--db-user", "cli_revokee");
        Assert.True(add.ExitCode == ExitCodes.Ok, add.ToString());
    }

    public async ValueTask DisposeAsync() => await _kit.DisposeAsync();

    [Fact]
    public async Task Connect_AfterTheCachedCredentialIsRevoked_LogsInWithANewCredential()
    {
        var revoked = await LoginThroughConnectAsync();
        Assert.True(File.Exists(CacheFile), "the first connect wrote the persistent cache");
        await RevokeAsync(revoked);

        var again = await _kit.Cli.RunAsync("connect", "dev", "--", "-X", "-A", "-t", "-c", SessionUser);

        Assert.True(again.ExitCode == 0, again.ToString());
        var login = again.Stdout.Trim();
        Assert.StartsWith("IAM:cli_revokee", login);
        Assert.NotEqual(revoked, login);
        Assert.DoesNotContain(revoked, await File.ReadAllTextAsync(CacheFile, TestContext.Current.CancellationToken));
        Assert.Equal(login, await LoginThroughConnectAsync());
    }

    [Fact]
    public async Task UrlCheck_AfterTheCachedCredentialIsRevoked_ReportsSuccessWithANewCredential()
    {
        var revoked = await LoginThroughConnectAsync();
        await RevokeAsync(revoked);

        // JSON, since the printed string carries no password: DbPassword is where the test finds it.
        var check = await _kit.Cli.RunAsync("url", "dev", "--format", "npgsql", "--check", "--output", "json");

        Assert.True(check.ExitCode == ExitCodes.Ok, check.ToString());
        var json = System.Text.Json.Nodes.JsonNode.Parse(check.Stdout)!;
        var builder = new NpgsqlConnectionStringBuilder((string)json["Value"]!);
        Assert.StartsWith("IAM:cli_revokee", builder.Username);
        Assert.NotEqual(revoked, builder.Username);
        Assert.True((bool)json["Check"]!["Ok"]!, check.ToString());
        Assert.Contains("login ok", check.Stderr);
        var password = (string)json["DbPassword"]!;
        Assert.False(string.IsNullOrEmpty(password));
        Assert.DoesNotContain(password, check.Stderr);
    }

    [Fact]
    public async Task UrlCheck_WithAValidCachedCredential_ReusesIt_AndRefreshForcesANewOne_AndNoCacheLeavesTheFileAlone()
    {
        var cached = await LoginThroughConnectAsync();

        var check = await _kit.Cli.RunAsync("url", "dev", "--format", "npgsql", "--check", "--output", "json");
        var refreshed = await _kit.Cli.RunAsync("url", "dev", "--format", "npgsql", "--refresh");
        var fileAfterRefresh = await File.ReadAllTextAsync(CacheFile, TestContext.Current.CancellationToken);
        var uncached = await _kit.Cli.RunAsync("url", "dev", "--format", "npgsql", "--no-cache");

        Assert.True(check.ExitCode == ExitCodes.Ok, check.ToString());
        using var json = JsonDocument.Parse(check.Stdout);
        Assert.True(json.RootElement.GetProperty("Check").GetProperty("Ok").GetBoolean());
        Assert.Equal(cached, new NpgsqlConnectionStringBuilder(json.RootElement.GetProperty("Value").GetString()).Username);
        var refreshedUser = new NpgsqlConnectionStringBuilder(refreshed.Stdout.Trim()).Username!;
        Assert.NotEqual(cached, refreshedUser);
        Assert.Contains(refreshedUser, fileAfterRefresh);
        Assert.DoesNotContain(cached, fileAfterRefresh);
        var uncachedUser = new NpgsqlConnectionStringBuilder(uncached.Stdout.Trim()).Username!;
        Assert.NotEqual(refreshedUser, uncachedUser);
        Assert.Equal(fileAfterRefresh, await File.ReadAllTextAsync(CacheFile, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task LibraryDataSource_SharingTheCliCacheFile_AfterRevoke_LogsInWithANewCredential()
    {
        var revoked = await LoginThroughConnectAsync();
        await RevokeAsync(revoked);
        using var query = new AwsQueryClient(AwsCredentialSource.FromProfile("iamdb", _kit.Broker.CredentialsFilePath));
        var client = new RedshiftClient(query, "us-east-1", new Uri(_kit.Endpoint));
        using var cache = new ClusterCredentialCache(client, new ClusterCredentialCacheOptions { PersistentCacheFile = CacheFile });
        await using var dataSource = await ClusterDataSource.CreateAsync(cache, new ClusterDataSourceOptions
        {
            Credentials = new ClusterCredentialRequest { ClusterIdentifier = _cluster, DbUser = "cli_revokee", DbName = _database },
            ConfigureConnection = b => b.Pooling = false,
        }, TestContext.Current.CancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(SessionUser, connection);
        var login = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;

        Assert.Equal(1, dataSource.AuthenticationRetries);
        Assert.NotEqual(revoked, login);
        Assert.StartsWith("IAM:cli_revokee", login);
        Assert.DoesNotContain(revoked, await File.ReadAllTextAsync(CacheFile, TestContext.Current.CancellationToken));
        Assert.Equal(login, await LoginThroughConnectAsync());
    }

    private async Task<string> LoginThroughConnectAsync()
    {
        var result = await _kit.Cli.RunAsync("connect", "dev", "--", "-X", "-A", "-t", "-c", SessionUser);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }

    private async Task RevokeAsync(string loginRole)
    {
        var revoke = await _kit.RunAsync("revoke", "--cluster", _cluster, "--login-role", loginRole);
        Assert.True(revoke.ExitCode == ExitCodes.Ok, revoke.ToString());
    }
}

/// <summary>
/// Run alone: registering a cluster on the shared PostgreSQL while other classes do (roles are server-wide, CREATE
/// DATABASE copies template1) fails now and then with 23505/55006, which is not what these tests are about.
/// </summary>
[CollectionDefinition(nameof(RevocationRecoveryAlone), DisableParallelization = true)]
public sealed class RevocationRecoveryAlone;
