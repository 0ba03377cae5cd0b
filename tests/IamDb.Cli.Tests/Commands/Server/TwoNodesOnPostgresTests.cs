using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Commands.Server;

/// <summary>
/// Two <c>iamdb server</c> processes on one PostgreSQL store serve one account: what one creates the other uses at
/// once, and <c>iamdb audit --config</c> reads the requests of both from that store.
/// </summary>
public sealed class TwoNodesOnPostgresTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task UserAndKeyCreatedThroughOneNode_AreUsableThroughTheOtherAtOnce_AndAuditedInTheSharedStore()
    {
        var database = await postgres.CreateDatabaseAsync("twonodes");
        var root = Directory.CreateTempSubdirectory("iamdb-twonodes-").FullName;
        // The store's password travels in an environment variable (store.password_env); a config file refuses one.
        var withoutPassword = new Npgsql.NpgsqlConnectionStringBuilder(postgres.Server.ConnectionString(database));
        var storePassword = withoutPassword.Password!;
        withoutPassword.Password = null;
        var environment = new Dictionary<string, string>
        {
            ["IAMDB_TEST_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["IAMDB_TEST_STORE_PASSWORD"] = storePassword,
        };
        try
        {
            string Config(string node)
            {
                var dir = Path.Combine(root, node);
                Directory.CreateDirectory(dir);
                var path = Path.Combine(root, node + ".toml");
                File.WriteAllText(
                    path,
                    $"""
                    urls = ["http://127.0.0.1:0"]
                    data_dir = "{dir}"
                    account_id = "444455556666"
                    master_key_env = "IAMDB_TEST_MASTER_KEY"
                    [store]
                    kind = "postgres"
                    connection_string = "{withoutPassword.ConnectionString}"
                    password_env = "IAMDB_TEST_STORE_PASSWORD"
                    """);
                return path;
            }

            var (configA, configB) = (Config("a"), Config("b"));
            await using var nodeA = await BrokerProcess.StartAsync(["server", "--config", configA], Path.Combine(root, "a"), environment);
            await using var nodeB = await BrokerProcess.StartAsync(["server", "--config", configB], Path.Combine(root, "b"), environment);
            var rootKey = SignedClient.ReadProfile(Path.Combine(root, "a", "credentials"));
            using var viaA = new SignedClient(nodeA.Endpoint);
            using var viaB = new SignedClient(nodeB.Endpoint);

            Assert.Equal(HttpStatusCode.OK, (await viaA.CallAsync("iam", "CreateUser", rootKey, ("UserName", "alice"))).Status);
            var created = await viaA.CallAsync("iam", "CreateAccessKey", rootKey, ("UserName", "alice"));
            var alice = new SigningCredentials(created.Body.Find("AccessKeyId")!, created.Body.Find("SecretAccessKey")!);
            var who = await viaB.CallAsync("sts", "GetCallerIdentity", alice);

            Assert.Equal(rootKey.AccessKeyId, SignedClient.ReadProfile(Path.Combine(root, "b", "credentials")).AccessKeyId);
            Assert.Equal(HttpStatusCode.OK, who.Status);
            Assert.Equal("arn:aws:iam::444455556666:user/alice", who.Body.Find("Arn"));

            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(["audit", "--config", configB, "--output", "json"], environment);
            Assert.True(exitCode == ExitCodes.Ok, stderr);
            using var audit = JsonDocument.Parse(stdout);
            Assert.Equal(
                ["GetCallerIdentity", "CreateAccessKey", "CreateUser"],
                audit.RootElement.GetProperty("Records").EnumerateArray().Select(r => r.GetProperty("eventName").GetString()));
            var (_, byName, _) = await IamdbProcess.RunAsync(["audit", "--config", configA, "--principal", "alice", "--output", "json"], environment);
            Assert.Single(JsonDocument.Parse(byName).RootElement.GetProperty("Records").EnumerateArray());
            Assert.False(stdout.Contains(alice.SecretAccessKey, StringComparison.Ordinal), "a secret appeared in iamdb audit's output");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
