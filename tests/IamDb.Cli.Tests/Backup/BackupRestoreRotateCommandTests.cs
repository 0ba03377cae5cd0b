using System.Net;
using IamDb.Aws.Signing;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Backup;

/// <summary>
/// <c>iamdb backup</c>, <c>restore</c> and <c>rotate-master-key</c> as real processes around a real <c>iamdb up</c>: an online
/// backup, refusals while the broker runs, a rotation after which old access keys still sign, and a restore of a backup
/// made before the rotation, which needs the old key.
/// </summary>
public sealed class BackupRestoreRotateCommandTests
{
    [Fact]
    public async Task Backup_WhileRunning_ThenRotate_ThenRestoreWithTheOldKey_AccessKeysSignThroughout()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-cli-backup-").FullName;
        var backup = Path.Combine(dir, "..", Path.GetFileName(dir) + "-state.db");
        try
        {
            SigningCredentials root;
            SigningCredentials alice;
            await using (var broker = await StartAsync(dir))
            {
                using var client = new SignedClient(broker.Endpoint);
                root = SignedClient.ReadProfile(Path.Combine(dir, "credentials"));
                Assert.Equal(HttpStatusCode.OK, (await client.CallAsync("iam", "CreateUser", root, ("UserName", "alice"))).Status);
                var (_, key) = await client.CallAsync("iam", "CreateAccessKey", root, ("UserName", "alice"));
                alice = new SigningCredentials(key.Find("AccessKeyId")!, key.Find("SecretAccessKey")!);

                var backedUp = await IamdbProcess.RunAsync(["backup", "--data-dir", dir, "--out", backup]);
                Assert.True(backedUp.ExitCode == ExitCodes.Ok, backedUp.Stderr);
                Assert.Contains("The master key is not in the backup", backedUp.Stdout, StringComparison.Ordinal);

                var rotateWhileRunning = await IamdbProcess.RunAsync(["rotate-master-key", "--data-dir", dir]);
                Assert.Equal(ExitCodes.Failure, rotateWhileRunning.ExitCode);
                Assert.Contains("is in use", rotateWhileRunning.Stderr, StringComparison.Ordinal);

                var restoreWhileRunning = await IamdbProcess.RunAsync(["restore", "--data-dir", dir, "--from", backup, "--force"]);
                Assert.Equal(ExitCodes.Failure, restoreWhileRunning.ExitCode);
                Assert.Contains("is in use", restoreWhileRunning.Stderr, StringComparison.Ordinal);
            }

            var oldKey = File.ReadAllText(Path.Combine(dir, "master.key")).Trim();
            var rotated = await IamdbProcess.RunAsync(["rotate-master-key", "--data-dir", dir]);
            Assert.True(rotated.ExitCode == ExitCodes.Ok, rotated.Stderr);
            Assert.Contains("Re-encrypted 3 stored secrets", rotated.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(oldKey, rotated.Stdout + rotated.Stderr, StringComparison.Ordinal);

            await using (var broker = await StartAsync(dir))
            {
                await AssertSignsAsync(broker, alice, ":user/alice");
                await AssertSignsAsync(broker, root, ":root");
            }

            // The backup predates the rotation: the new key does not open it, and restore says which key it needs.
            var refused = await IamdbProcess.RunAsync(["restore", "--data-dir", dir, "--from", backup, "--force"]);
            Assert.Equal(ExitCodes.Failure, refused.ExitCode);
            Assert.Contains("made under another master key", refused.Stderr, StringComparison.Ordinal);

            var withOldKey = new Dictionary<string, string> { ["IAMDB_MASTER_KEY"] = oldKey };
            var restored = await IamdbProcess.RunAsync(["restore", "--data-dir", dir, "--from", backup, "--force"], withOldKey);
            Assert.True(restored.ExitCode == ExitCodes.Ok, restored.Stderr);
            Assert.Contains("state.db.before-restore", restored.Stdout, StringComparison.Ordinal);
            await using (var broker = await StartAsync(dir, withOldKey))
            {
                await AssertSignsAsync(broker, alice, ":user/alice");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            File.Delete(backup);
        }
    }

    [Fact]
    public async Task Backup_OfAPostgresStore_PrintsThePgDumpRecipe()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-cli-backup-pg-").FullName;
        try
        {
            var config = Path.Combine(dir, "iamdb.toml");
            await File.WriteAllTextAsync(
                config,
                $"data_dir = \"{dir}\"\n[store]\nkind = \"postgres\"\nconnection_string = \"Host=db.internal;Database=iamdb;Username=iamdb\"\n",
                TestContext.Current.CancellationToken);

            var result = await IamdbProcess.RunAsync(["backup", "--config", config, "--out", Path.Combine(dir, "x.db")]);

            Assert.Equal(ExitCodes.Failure, result.ExitCode);
            Assert.Contains("pg_dump --format=custom --file iamdb-state.dump \"host=db.internal port=5432 dbname=iamdb user=iamdb\"", result.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "x.db")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task<BrokerProcess> StartAsync(string dir, IReadOnlyDictionary<string, string>? environment = null) =>
        BrokerProcess.StartAsync(["up", "--data-dir", dir, "--port", "0", "--no-local-cluster"], dir, environment);

    private static async Task AssertSignsAsync(BrokerProcess broker, SigningCredentials credentials, string arnSuffix)
    {
        using var client = new SignedClient(broker.Endpoint);
        var (status, body) = await client.CallAsync("sts", "GetCallerIdentity", credentials);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.EndsWith(arnSuffix, body.Find("Arn"), StringComparison.Ordinal);
    }
}
