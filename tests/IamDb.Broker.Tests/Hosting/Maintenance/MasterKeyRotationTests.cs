using System.Security.Cryptography;
using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Broker.Hosting.Maintenance;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using IamDb.Broker.State.Sql;
using IamDb.Broker.Tests.State;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Tests.Hosting.Maintenance;

/// <summary>
/// <c>iamdb rotate-master-key</c>'s engine on real stores: every secret moves to the new key in one transaction, a fault
/// before the commit leaves the store under the old key, an interruption after it is finished by running it again.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MasterKeyRotationTests(PostgresServerFixture postgres)
{
    private const string ClusterPassword = "admin-password-1234";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rotate_KeyFileStore_TheBrokerStartsWithTheNewKey_AndOldAccessKeysStillSign()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-rotate-").FullName;
        try
        {
            var seeded = await SeedAsync(dir);
            var oldKey = File.ReadAllText(KeyFile(dir));

            var result = await MasterKeyRotation.RotateAsync(new BrokerOptions { DataDirectory = dir }, null, Ct);

            // Root and alice's access keys, alice's session, the cluster's admin password, the key check.
            Assert.Equal(5, result.SecretsReencrypted);
            Assert.False(result.Resumed);
            Assert.NotEqual(oldKey, File.ReadAllText(KeyFile(dir)));
            Assert.Equal(oldKey, File.ReadAllText(KeyFile(dir) + MasterKeyRotation.PreviousKeySuffix));
            Assert.False(File.Exists(KeyFile(dir) + MasterKeyRotation.PendingKeySuffix));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile(dir)));
            await AssertSecretsReadableAsync(dir, seeded);
            var refused = await Assert.ThrowsAsync<MasterKeyException>(() => StartWithKeyAsync(dir, oldKey));
            Assert.Contains("does not match", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task FaultAfterHalfTheSecrets_BeforeTheCommit_LeavesTheStoreUnderTheOldKey()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-rotate-fault-").FullName;
        try
        {
            var seeded = await SeedAsync(dir, extraUsers: 6);
            var oldKey = File.ReadAllText(KeyFile(dir));
            var rewritten = 0;

            var fault = await Assert.ThrowsAsync<IOException>(() => MasterKeyRotation.RotateAsync(
                new BrokerOptions { DataDirectory = dir },
                null,
                (done, total, _) =>
                {
                    rewritten = done;
                    return done == total / 2 ? throw new IOException("simulated crash mid-rotation") : Task.CompletedTask;
                },
                Ct));

            Assert.Equal("simulated crash mid-rotation", fault.Message);
            Assert.True(rewritten >= 5, $"the fault came after {rewritten} values, not half of them");
            Assert.Equal(oldKey, File.ReadAllText(KeyFile(dir)));
            await AssertSecretsReadableAsync(dir, seeded);

            // The key the failed attempt wrote never became the store's, and running it again starts afresh.
            var abandoned = File.ReadAllText(KeyFile(dir) + MasterKeyRotation.PendingKeySuffix);
            await Assert.ThrowsAsync<MasterKeyException>(() => StartWithKeyAsync(dir, abandoned));
            var retry = await MasterKeyRotation.RotateAsync(new BrokerOptions { DataDirectory = dir }, null, Ct);
            Assert.False(retry.Resumed);
            Assert.NotEqual(abandoned, File.ReadAllText(KeyFile(dir)));
            await AssertSecretsReadableAsync(dir, seeded);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task InterruptedAfterTheCommit_RunningItAgain_FinishesSwitchingToTheNewKey()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-rotate-resume-").FullName;
        try
        {
            var seeded = await SeedAsync(dir);
            await MasterKeyRotation.RotateAsync(new BrokerOptions { DataDirectory = dir }, null, Ct);
            var newKey = File.ReadAllText(KeyFile(dir));

            // The files as a crash between the commit and the file switch leaves them: the old key in place, the new one pending.
            File.Move(KeyFile(dir), KeyFile(dir) + MasterKeyRotation.PendingKeySuffix);
            File.Move(KeyFile(dir) + MasterKeyRotation.PreviousKeySuffix, KeyFile(dir));
            await Assert.ThrowsAsync<MasterKeyException>(() => StartWithKeyAsync(dir, File.ReadAllText(KeyFile(dir))));

            var resumed = await MasterKeyRotation.RotateAsync(new BrokerOptions { DataDirectory = dir }, null, Ct);

            Assert.True(resumed.Resumed);
            Assert.Equal(newKey, File.ReadAllText(KeyFile(dir)));
            await AssertSecretsReadableAsync(dir, seeded);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task StoreInUseByABroker_IsRefused_AndNothingChanges()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-rotate-busy-").FullName;
        try
        {
            await using var broker = await TestBroker.StartAsync(o => o.MasterKey = null, dataDirectory: dir);
            var key = File.ReadAllText(KeyFile(dir));

            var refused = await Assert.ThrowsAsync<StoreMaintenanceException>(
                () => MasterKeyRotation.RotateAsync(new BrokerOptions { DataDirectory = dir }, null, Ct));

            Assert.Contains("is in use", refused.Message, StringComparison.Ordinal);
            Assert.Contains("stop it first", refused.Message, StringComparison.Ordinal);
            Assert.Equal(key, File.ReadAllText(KeyFile(dir)));
            Assert.False(File.Exists(KeyFile(dir) + MasterKeyRotation.PendingKeySuffix));
            Assert.Equal("arn:aws:iam::" + broker.AccountId + ":root", (await broker.CallAsync("sts", "GetCallerIdentity")).Find("Arn"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PostgresStore_WithAConfiguredKey_NeedsTheNewKeyGiven_ThenRotatesToIt()
    {
        var database = await postgres.CreateDatabaseAsync("rotate");
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        void Configure(BrokerOptions o, string key)
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            o.AccountId = "111122223333";
            o.MasterKey = key;
        }

        SigningCredentials alice;
        await using (var broker = await TestBroker.StartAsync(o => Configure(o, oldKey)))
        {
            (_, alice) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        }

        var options = new BrokerOptions();
        Configure(options, oldKey);
        var withoutKey = await Assert.ThrowsAsync<StoreMaintenanceException>(() => MasterKeyRotation.RotateAsync(options, null, Ct));
        Assert.Contains("--new-key-env", withoutKey.Message, StringComparison.Ordinal);

        var result = await MasterKeyRotation.RotateAsync(options, newKey, Ct);

        Assert.Equal("the configuration's master_key", result.KeySource);
        Assert.Null(result.KeyFilePath);
        await using (var broker = await TestBroker.StartAsync(o => Configure(o, newKey)))
        {
            Assert.Equal("arn:aws:iam::111122223333:user/alice", (await broker.CallAsync("sts", "GetCallerIdentity", credentials: alice)).Find("Arn"));
        }

        await Assert.ThrowsAsync<MasterKeyException>(() => TestBroker.StartAsync(o => Configure(o, oldKey)));
    }

    [Fact]
    public async Task EveryBinaryColumnOfTheSchema_IsReencrypted_UnlessItHoldsNoSecret()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-rotate-schema-").FullName;
        try
        {
            var path = Path.Combine(dir, DataDirectory.StateFileName);
            await using (await SqliteStateStore.OpenAsync(path, new SecretProtector(MasterKey.Generate()), cancellationToken: Ct))
            {
            }

            var binary = new SortedSet<string>(StringComparer.Ordinal);
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync(Ct);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'";
                await using var reader = await command.ExecuteReaderAsync(Ct);
                while (await reader.ReadAsync(Ct))
                {
                    if (reader.GetString(2).Equals("BLOB", StringComparison.OrdinalIgnoreCase))
                    {
                        binary.Add($"{reader.GetString(0)}.{reader.GetString(1)}");
                    }
                }
            }

            // A session token is stored as its SHA-256 hash: nothing to decrypt, and rotation must not touch it.
            binary.Remove("sts_sessions.token_hash");
            Assert.Equal(binary, new SortedSet<string>(StoreSecretReencryption.Columns.Select(c => $"{c.Table}.{c.Column}"), StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string KeyFile(string dir) => Path.Combine(dir, MasterKey.FileName);

    private static async Task StartWithKeyAsync(string dir, string key)
    {
        await using var host = await BrokerHost.StartAsync(new BrokerOptions { DataDirectory = dir, MasterKey = key.Trim() });
    }

    // Alice with an access key and an STS session, a registered cluster with its admin password; the broker uses master.key.
    private static async Task<Seeded> SeedAsync(string dir, int extraUsers = 0)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MasterKey = null, dataDirectory: dir);
        var (alice, aliceKey) = await StoreSeed.UserWithKeyAsync(broker, "alice");
        for (var i = 0; i < extraUsers; i++)
        {
            await StoreSeed.UserWithKeyAsync(broker, $"user{i}");
        }

        var session = new StsSession(
            "ASIA" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
            broker.AccountId,
            new SecretString("session-secret-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8))),
            SessionTokens.Hash("token"),
            SessionKind.AssumedRole,
            $"arn:aws:sts::{broker.AccountId}:assumed-role/builder/ci",
            DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow.AddHours(1));
        await broker.Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Sessions.CreateAsync(session, ct);
                await w.Clusters.CreateAsync(StoreTestData.Cluster(broker.AccountId, "warehouse", ClusterPassword), ct);
            },
            Ct);
        return new Seeded(broker.Root, aliceKey, alice.Arn, session.AccessKeyId, session.SecretAccessKey.Reveal());
    }

    // A broker started on the data directory's master.key: every secret decrypts and the access keys sign.
    private static async Task AssertSecretsReadableAsync(string dir, Seeded seeded)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MasterKey = null, dataDirectory: dir);
        Assert.Equal(seeded.AliceArn, (await broker.CallAsync("sts", "GetCallerIdentity", credentials: seeded.Alice)).Find("Arn"));
        Assert.EndsWith(":root", (await broker.CallAsync("sts", "GetCallerIdentity", credentials: seeded.Root)).Find("Arn"), StringComparison.Ordinal);
        var cluster = await broker.Store.ReadAsync((r, ct) => r.Clusters.GetAsync(broker.AccountId, "warehouse", ct), Ct);
        Assert.True(cluster!.AdminPassword.Reveal() == ClusterPassword, "the cluster's admin password did not survive the rotation");
        var session = await broker.Store.ReadAsync((r, ct) => r.Sessions.GetAsync(seeded.SessionKeyId, ct), Ct);
        Assert.True(session!.SecretAccessKey.Reveal() == seeded.SessionSecret, "the session's secret did not survive the rotation");
    }

    private sealed record Seeded(SigningCredentials Root, SigningCredentials Alice, string AliceArn, string SessionKeyId, string SessionSecret);
}
