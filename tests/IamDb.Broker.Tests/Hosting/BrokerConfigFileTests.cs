using IamDb.Broker.Hosting;

namespace IamDb.Broker.Tests.Hosting;

public sealed class BrokerConfigFileTests
{
    [Fact]
    public void Parse_FullFile_FillsEveryOption()
    {
        const string toml = """
            urls = ["http://127.0.0.1:8080", "http://127.0.0.1:8081"]
            data_dir = "state"
            account_id = "123456789012"
            region = "eu-west-1"
            max_request_body_bytes = 65536
            credential_cache_seconds = 0.5
            master_key_env = "MY_KEY"

            [store]
            kind = "postgres"
            connection_string = "Host=db;Database=iamdb"

            [throttling]
            rate_per_second = 100
            burst = 200

            [tls]
            generate = true
            """;

        var key = Convert.ToBase64String(new byte[32]);
        var options = BrokerConfigFile.Parse(toml, "/etc/iamdb", name => name == "MY_KEY" ? key : null);

        Assert.Equal(["http://127.0.0.1:8080", "http://127.0.0.1:8081"], options.Urls);
        Assert.Equal("/etc/iamdb/state", options.DataDirectory);
        Assert.Equal("123456789012", options.AccountId);
        Assert.Equal("eu-west-1", options.Region);
        Assert.Equal(65536, options.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.CredentialCacheTtl);
        Assert.Equal(key, options.MasterKey);
        Assert.Equal(StoreKind.Postgres, options.Store);
        Assert.Equal("Host=db;Database=iamdb", options.PostgresConnectionString);
        Assert.Equal(100, options.ThrottleRatePerSecond);
        Assert.Equal(200, options.ThrottleBurst);
        Assert.True(options.GenerateTlsCertificate);
    }

    [Fact]
    public void Parse_EmptyFile_KeepsEmbeddedDefaults()
    {
        var options = BrokerConfigFile.Parse(string.Empty, "/tmp");

        Assert.Equal(["http://127.0.0.1:0"], options.Urls);
        Assert.Equal(StoreKind.Sqlite, options.Store);
        Assert.Equal("us-east-1", options.Region);
    }

    [Fact]
    public void Parse_UnknownKeysAndWrongTypes_ReportsEveryProblem()
    {
        const string toml = """
            region = 5
            colour = "blue"
            [store]
            kind = "oracle"
            [throttling]
            burst = "many"
            """;

        var error = Assert.Throws<BrokerOptionsException>(() => BrokerConfigFile.Parse(toml, "/tmp"));

        Assert.Equal(
            ["region: must be a string", "store.kind `oracle`: must be `sqlite` or `postgres`", "throttling.burst: must be an integer", "colour: unknown setting"],
            error.Errors);
    }

    [Fact]
    public void Parse_InvalidToml_IsAnOptionsError()
    {
        var error = Assert.Throws<BrokerOptionsException>(() => BrokerConfigFile.Parse("urls = [", "/tmp"));

        Assert.StartsWith("config file:", error.Errors[0], StringComparison.Ordinal);
    }
}
