using System.Security.Cryptography;
using System.Text;
using IamDb.Broker.Hosting;
using IamDb.Broker.Hosting.Maintenance;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Hosting.Maintenance;

/// <summary>
/// Online backup and offline restore of the SQLite store on a running in-process broker: consistent under writes, never
/// holding the master key, and a restore that refuses (changing nothing) whenever it would lose or corrupt something.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StateBackupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Backup_WhileTheBrokerWrites_RestoresToThatMoment_AndHoldsNoMasterKey()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-backup-").FullName;
        var output = Path.Combine(Directory.CreateTempSubdirectory("iamdb-backup-out-").FullName, "state.db");
        try
        {
            Aws.Signing.SigningCredentials alice;
            string aliceArn;
            await using (var broker = await TestBroker.StartAsync(o => o.MasterKey = null, dataDirectory: dir))
            {
                var seeded = await StoreSeed.UserWithKeyAsync(broker, "alice");
                (alice, aliceArn) = (seeded.Key, seeded.User.Arn);

                // Users keep being created while the backup runs (bounded: 400 users or 30 s).
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var writer = Task.Run(
                    async () =>
                    {
                        for (var i = 0; i < 400 && !stop.IsCancellationRequested; i++)
                        {
                            await StoreSeed.UserWithKeyAsync(broker, $"writer{i}");
                        }
                    },
                    Ct);
                await Task.Delay(200, Ct);
                var result = await StateBackup.BackupAsync(new BrokerOptions { DataDirectory = dir }, output, overwrite: false, Ct);
                await stop.CancelAsync();
                await writer;

                Assert.Equal(output, result.BackupPath);
                Assert.True(result.SchemaVersion >= 2, $"schema version {result.SchemaVersion}");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
                await StoreSeed.UserWithKeyAsync(broker, "after-the-backup");
            }

            var bytes = File.ReadAllBytes(output);
            var keyText = File.ReadAllText(Path.Combine(dir, MasterKey.FileName)).Trim();
            Assert.False(bytes.AsSpan().IndexOf(Convert.FromBase64String(keyText)) >= 0, "the master key's bytes are inside the backup");
            Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(keyText)) >= 0, "the master key's base64 is inside the backup");

            var restored = await StateBackup.RestoreAsync(new BrokerOptions { DataDirectory = dir }, output, force: true, Ct);

            Assert.Equal(Path.Combine(dir, DataDirectory.StateFileName) + StateBackup.PreviousStoreSuffix, restored.PreviousStorePath);
            await using (var broker = await TestBroker.StartAsync(o => o.MasterKey = null, dataDirectory: dir))
            {
                Assert.Equal(aliceArn, (await broker.CallAsync("sts", "GetCallerIdentity", credentials: alice)).Find("Arn"));
                var after = await broker.CallAsync("iam", "GetUser", [new("UserName", "after-the-backup")]);
                Assert.Equal("NoSuchEntity", after.ErrorCode);

                // One snapshot: every writer user in it came with its access key (each pair was one transaction).
                var users = await broker.Store.ReadAsync((r, ct) => r.Users.ListAsync(broker.AccountId, null, new PageRequest(null, 1000), ct), Ct);
                foreach (var user in users.Items.Where(u => u.UserName.StartsWith("writer", StringComparison.Ordinal)))
                {
                    var keys = await broker.Store.ReadAsync((r, ct) => r.AccessKeys.ListAsync(broker.AccountId, user.UserId, ct), Ct);
                    Assert.Single(keys);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
        }
    }

    [Fact]
    public async Task Restore_RefusesAndChangesNothing_WhileInUse_OverAStoreWithoutForce_UnderAnotherKey_OrFromAnythingElse()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-restore-").FullName;
        var other = Directory.CreateTempSubdirectory("iamdb-restore-other-").FullName;
        var backup = Path.Combine(other, "backup.db");
        try
        {
            var options = new BrokerOptions { DataDirectory = dir };
            await using (var broker = await TestBroker.StartAsync(o => o.MasterKey = null, dataDirectory: dir))
            {
                await StateBackup.BackupAsync(options, backup, overwrite: false, Ct);
                var existing = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.BackupAsync(options, backup, overwrite: false, Ct));
                Assert.Contains("--force", existing.Message, StringComparison.Ordinal);

                var inUse = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.RestoreAsync(options, backup, force: true, Ct));
                Assert.Contains("is in use", inUse.Message, StringComparison.Ordinal);
            }

            var before = File.ReadAllBytes(Path.Combine(dir, DataDirectory.StateFileName));
            var withoutForce = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.RestoreAsync(options, backup, force: false, Ct));
            Assert.Contains("add --force", withoutForce.Message, StringComparison.Ordinal);

            var otherKey = new BrokerOptions { DataDirectory = dir, MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
            var wrongKey = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.RestoreAsync(otherKey, backup, force: true, Ct));
            Assert.Contains("made under another master key", wrongKey.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(otherKey.MasterKey!, wrongKey.Message, StringComparison.Ordinal);

            var text = Path.Combine(other, "notes.txt");
            await File.WriteAllTextAsync(text, "not a database at all, just some text that is long enough to look like a file", Ct);
            var notBackup = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.RestoreAsync(options, text, force: true, Ct));
            Assert.Contains("is not an IamDb backup", notBackup.Message, StringComparison.Ordinal);

            var freshDirectory = new BrokerOptions { DataDirectory = Path.Combine(other, "fresh") };
            var noKey = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.RestoreAsync(freshDirectory, backup, force: false, Ct));
            Assert.Contains("no master key", noKey.Message, StringComparison.Ordinal);

            Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, DataDirectory.StateFileName)));
            Assert.False(File.Exists(Path.Combine(dir, DataDirectory.StateFileName) + StateBackup.PreviousStoreSuffix));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task BackupAndRestore_OfAPostgresStore_GiveThePgDumpRecipe_WithoutThePassword()
    {
        var options = new BrokerOptions
        {
            Store = StoreKind.Postgres,
            PostgresConnectionString = "Host=db.internal;Port=5433;Database=iamdb;Username=broker;Password=hunter2-not-shown",
        };

        var backup = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.BackupAsync(options, "/tmp/x.db", overwrite: false, Ct));
        var restore = await Assert.ThrowsAsync<StoreMaintenanceException>(() => StateBackup.RestoreAsync(options, "/tmp/x.db", force: false, Ct));

        foreach (var message in new[] { backup.Message, restore.Message })
        {
            Assert.Contains("pg_dump --format=custom", message, StringComparison.Ordinal);
            Assert.Contains("pg_restore", message, StringComparison.Ordinal);
            Assert.Contains("host=db.internal port=5433 dbname=iamdb user=broker", message, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
        }
    }
}
