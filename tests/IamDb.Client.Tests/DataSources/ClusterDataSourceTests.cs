using System.Globalization;
using IamDb.Client.Caching;
using IamDb.Client.DataSources;
using IamDb.Client.Tests.Caching;
using IamDb.Client.Tests.Support;
using IamDb.Testing;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace IamDb.Client.Tests.DataSources;

/// <summary>
/// The Npgsql integration against a real PostgreSQL. Redshift on AWS is played by a loopback server that issues real
/// logins on that PostgreSQL the way AWS does (one login name, a new password each time) or the way the IamDb broker
/// does (a new login name each time); the real broker is exercised in the end-to-end tests.
/// </summary>
[Collection(nameof(Support.SharedPostgresServer))]
public sealed class ClusterDataSourceTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A Redshift stand-in issuing logins on the test server: <paramref name="newLoginEachTime"/> is IamDb's way, otherwise AWS's.</summary>
    private ReplayServer Issuer(string database, string baseName, bool newLoginEachTime, Func<int, bool>? issueBadPassword = null)
    {
        var count = 0;
        return new ReplayServer(async body =>
        {
            var now = DateTimeOffset.UtcNow;
            if (body.StartsWith("Action=DescribeClusters", StringComparison.Ordinal))
            {
                return new ReplayAnswer(200, $"""
                    <DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters><Cluster>
                      <ClusterIdentifier>examplecluster</ClusterIdentifier><ClusterStatus>available</ClusterStatus><DBName>{database}</DBName>
                      <Endpoint><Address>{postgres.Server.Host}</Address><Port>{postgres.Server.Port}</Port></Endpoint>
                    </Cluster></Clusters></DescribeClustersResult><ResponseMetadata><RequestId>d-1</RequestId></ResponseMetadata></DescribeClustersResponse>
                    """, now);
            }

            var n = Interlocked.Increment(ref count);
            var login = newLoginEachTime ? $"IAM:{baseName}:{n}" : $"IAM:{baseName}";
            var password = $"pw-{n}-{Guid.NewGuid():N}";
            await using (var admin = postgres.CreateDataSource())
            {
                // Other test classes' brokers change database ACLs on the same server at the same time (PostgreSQL then
                // reports "tuple concurrently updated"): try again, as a real issuer would.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var exists = await admin.CreateCommand($"SELECT 1 FROM pg_roles WHERE rolname = '{login}'").ExecuteScalarAsync() is not null;
                        var verb = exists ? "ALTER" : "CREATE";
                        await admin.CreateCommand($"{verb} ROLE \"{login}\" LOGIN PASSWORD '{password}'").ExecuteNonQueryAsync();
                        await admin.CreateCommand($"GRANT CONNECT ON DATABASE \"{database}\" TO \"{login}\"").ExecuteNonQueryAsync();
                        break;
                    }
                    catch (PostgresException) when (attempt < 10)
                    {
                        await Task.Delay(50 * attempt);
                    }
                }
            }

            var handedOut = issueBadPassword?.Invoke(n) == true ? "not-the-password" : password;
            return new ReplayAnswer(200, ReplayServer.CredentialsXml(login, handedOut, now.AddMinutes(15)), now);
        });
    }

    private static ClusterCredentialRequest Request(string user, string database) =>
        new() { ClusterIdentifier = "examplecluster", DbUser = user, DbName = database };

    private static async Task<string> WhoAmIAsync(NpgsqlConnection connection) =>
        (string)(await new NpgsqlCommand("SELECT session_user::text", connection).ExecuteScalarAsync(Ct))!;

    [Fact]
    public async Task HostAndPortComeFromDescribeClusters_AndTheLoginIsTheReturnedDbUser()
    {
        var database = await postgres.CreateDatabaseAsync("ds");
        await using var issuer = Issuer(database, "dana", newLoginEachTime: false);
        using var harness = new CacheHarness(issuer.Endpoint);

        await using var dataSource = await ClusterDataSource.CreateAsync(
            harness.Cache, new ClusterDataSourceOptions { Credentials = Request("dana", database), SslMode = SslMode.Disable }, Ct);
        await using var connection = await dataSource.OpenConnectionAsync(Ct);

        Assert.Equal(postgres.Server.Port, dataSource.Port);
        Assert.Equal(database, dataSource.Database);
        Assert.Equal("IAM:dana", await WhoAmIAsync(connection));
        Assert.DoesNotContain("pw-", dataSource.ConnectionString);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rotation_NeverBreaksConnectionsOpenedWithTheOlderCredential(bool newLoginEachTime)
    {
        var database = await postgres.CreateDatabaseAsync("rot");
        var user = newLoginEachTime ? "ivy" : "ava";
        await using var issuer = Issuer(database, user, newLoginEachTime);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var harness = new CacheHarness(issuer.Endpoint, new ClusterCredentialCacheOptions { Time = time });
        await using var dataSource = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request(user, database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
        }, Ct);

        await using var old = await dataSource.OpenConnectionAsync(Ct);
        var oldLogin = await WhoAmIAsync(old);
        time.Advance(TimeSpan.FromMinutes(14));
        await using var fresh = await dataSource.OpenConnectionAsync(Ct);
        var freshLogin = await WhoAmIAsync(fresh);

        Assert.Equal(2, harness.Cache.Statistics.ApiCalls);
        Assert.Equal(newLoginEachTime, oldLogin != freshLogin);
        Assert.Equal(oldLogin, await WhoAmIAsync(old));
        await using (var again = await dataSource.OpenConnectionAsync(Ct))
        {
            Assert.Equal(freshLogin, await WhoAmIAsync(again));
        }

        Assert.Equal(2, harness.Cache.Statistics.ApiCalls);
    }

    [Fact]
    public async Task ALoginRefusedOnOpen_InvalidatesTheCredential_AndRetriesOnceWithAFreshOne()
    {
        var database = await postgres.CreateDatabaseAsync("auth");
        await using var issuer = Issuer(database, "rex", newLoginEachTime: true, issueBadPassword: n => n == 1);
        using var harness = new CacheHarness(issuer.Endpoint);
        await using var dataSource = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("rex", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
        }, Ct);

        await using var connection = await dataSource.OpenConnectionAsync(Ct);

        Assert.Equal("IAM:rex:2", await WhoAmIAsync(connection));
        Assert.Equal(1, dataSource.AuthenticationRetries);
        Assert.Equal(2, harness.Cache.Statistics.ApiCalls);
    }

    [Fact]
    public async Task ASecondRefusal_SurfacesAsThePostgresError()
    {
        var database = await postgres.CreateDatabaseAsync("auth2");
        await using var issuer = Issuer(database, "sam", newLoginEachTime: true, issueBadPassword: _ => true);
        using var harness = new CacheHarness(issuer.Endpoint);
        await using var dataSource = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("sam", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
        }, Ct);

        var error = await Assert.ThrowsAsync<PostgresException>(() => dataSource.OpenConnectionAsync(Ct).AsTask());

        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
        Assert.Equal(2, harness.Cache.Statistics.ApiCalls);
        Assert.Equal(1, dataSource.AuthenticationRetries);
    }

    [Fact]
    public async Task TlsSettingsTravelWithEveryConnection()
    {
        var database = await postgres.CreateDatabaseAsync("tls");
        await using var issuer = Issuer(database, "tia", newLoginEachTime: false);
        using var harness = new CacheHarness(issuer.Endpoint);
        var ca = Path.Combine(Path.GetTempPath(), "iamdb-test-ca.pem");
        await using var verifying = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("tia", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.VerifyFull,
            RootCertificate = ca,
        }, Ct);
        await using var requiring = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("tia", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Require,
        }, Ct);

        var settings = verifying.SettingsFor("IAM:tia");
        await using var connection = requiring.CreateConnection();

        Assert.Equal(SslMode.VerifyFull, settings.SslMode);
        Assert.Equal(ca, settings.RootCertificate);
        Assert.Contains("SSL Mode=VerifyFull", verifying.ConnectionString);
        Assert.Equal(SslMode.Require, new NpgsqlConnectionStringBuilder(connection.ConnectionString).SslMode);
        // The test server serves TLS: a connection of the Require source is encrypted.
        await using var opened = await requiring.OpenConnectionAsync(Ct);
        await using var ssl = new NpgsqlCommand("select ssl from pg_stat_ssl where pid = pg_backend_pid()", opened);
        Assert.Equal(true, await ssl.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task ManyConcurrentOpens_MakeOneApiCall()
    {
        var database = await postgres.CreateDatabaseAsync("many");
        await using var issuer = Issuer(database, "max", newLoginEachTime: true);
        using var harness = new CacheHarness(issuer.Endpoint);
        await using var dataSource = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("max", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
            ConfigureConnection = b => b.MaxPoolSize = 20,
        }, Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(Ct);
            return (int)(await new NpgsqlCommand($"SELECT {i.ToString(CultureInfo.InvariantCulture)}", connection).ExecuteScalarAsync(Ct))!;
        }));

        Assert.Equal(Enumerable.Range(0, 100), results);
        Assert.Equal(1, harness.Cache.Statistics.ApiCalls);
    }

    [Fact]
    public async Task MaxPoolSize_DefaultsToTwenty_AndIsThePoolsMaximum_WhateverConfigureConnectionSays()
    {
        var database = await postgres.CreateDatabaseAsync("pool");
        await using var issuer = Issuer(database, "pia", newLoginEachTime: false);
        using var harness = new CacheHarness(issuer.Endpoint);
        await using var defaulted = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("pia", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
            ConfigureConnection = b =>
            {
                b.MaxPoolSize = 100;
                b.MinPoolSize = 50;
            },
        }, Ct);
        await using var explicitSize = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("pia", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
            MaxPoolSize = 7,
        }, Ct);

        await using var connection = await defaulted.OpenConnectionAsync(Ct);
        await using var other = await explicitSize.OpenConnectionAsync(Ct);

        Assert.Equal(ClusterDataSourceOptions.DefaultMaxPoolSize, new NpgsqlConnectionStringBuilder(connection.ConnectionString).MaxPoolSize);
        Assert.Equal(20, new NpgsqlConnectionStringBuilder(connection.ConnectionString).MinPoolSize);
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(other.ConnectionString).MaxPoolSize);
        Assert.Equal(20, defaulted.SettingsFor("IAM:pia").MaxPoolSize);
    }

    [Fact]
    public async Task ARotation_KeepsTheDataSourceWithinMaxPoolSize_AcrossTheRetiringAndTheNewPool()
    {
        var database = await postgres.CreateDatabaseAsync("budget");
        await using var issuer = Issuer(database, "bud", newLoginEachTime: true);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var harness = new CacheHarness(issuer.Endpoint, new ClusterCredentialCacheOptions { Time = time });
        await using var dataSource = await ClusterDataSource.CreateAsync(harness.Cache, new ClusterDataSourceOptions
        {
            Credentials = Request("bud", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
            MaxPoolSize = 3,
            ConfigureConnection = b => b.Timeout = 1,
        }, Ct);

        var first = await dataSource.OpenConnectionAsync(Ct);
        var second = await dataSource.OpenConnectionAsync(Ct);
        var oldLogin = await WhoAmIAsync(first);
        time.Advance(TimeSpan.FromMinutes(14));
        await using var third = await dataSource.OpenConnectionAsync(Ct);
        var newLogin = await WhoAmIAsync(third);
        var refused = await Assert.ThrowsAsync<NpgsqlException>(() => dataSource.OpenConnectionAsync(Ct).AsTask());
        var serverSide = await ServerConnectionsAsync(database);
        await first.DisposeAsync();
        await using var fourth = await dataSource.OpenConnectionAsync(Ct);

        Assert.NotEqual(oldLogin, newLogin);
        Assert.Contains("MaxPoolSize", refused.Message);
        Assert.Equal(3, serverSide);
        Assert.Equal(newLogin, await WhoAmIAsync(fourth));
        await second.DisposeAsync();
    }

    [Fact]
    public async Task ASharedBudget_RefusesADataSourceItCannotCover_AndGetsItBackOnDispose()
    {
        var database = await postgres.CreateDatabaseAsync("shared");
        await using var issuer = Issuer(database, "sha", newLoginEachTime: false);
        using var harness = new CacheHarness(issuer.Endpoint);
        var budget = new ConnectionBudget(50);
        ClusterDataSourceOptions Options() => new()
        {
            Credentials = Request("sha", database),
            Host = postgres.Server.Host,
            Port = postgres.Server.Port,
            SslMode = SslMode.Disable,
            Budget = budget,
        };

        var one = await ClusterDataSource.CreateAsync(harness.Cache, Options(), Ct);
        await using var two = await ClusterDataSource.CreateAsync(harness.Cache, Options(), Ct);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterDataSource.CreateAsync(harness.Cache, Options(), Ct));
        Assert.Equal(40, budget.Reserved);
        await one.DisposeAsync();
        await using var three = await ClusterDataSource.CreateAsync(harness.Cache, Options(), Ct);

        Assert.Contains("connection budget of 50", error.Message);
        Assert.Equal(40, budget.Reserved);
    }

    private async Task<int> ServerConnectionsAsync(string database)
    {
        await using var admin = postgres.CreateDataSource();
        await using var command = admin.CreateCommand($"SELECT count(*)::int FROM pg_stat_activity WHERE datname = '{database}'");
        return (int)(await command.ExecuteScalarAsync(Ct))!;
    }
}
