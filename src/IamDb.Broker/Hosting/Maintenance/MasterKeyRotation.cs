using System.Text;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;

namespace IamDb.Broker.Hosting.Maintenance;

/// <summary>What <see cref="MasterKeyRotation.RotateAsync(BrokerOptions, string?, CancellationToken)"/> did.</summary>
/// <param name="SecretsReencrypted">How many stored values were re-encrypted (access keys, sessions, cluster passwords, the key check).</param>
/// <param name="KeyFilePath">The data directory's key file when the key lives there (now the new key), else null.</param>
/// <param name="PreviousKeyFilePath">Where the old key file was kept (backups made before the rotation need it), else null.</param>
/// <param name="KeySource">Where the old key came from, when that is not the key file: the operator switches it to the new key.</param>
/// <param name="Resumed">True when an earlier rotation had committed and this run only finished switching the files.</param>
public sealed record MasterKeyRotationResult(int SecretsReencrypted, string? KeyFilePath, string? PreviousKeyFilePath, string? KeySource, bool Resumed);

/// <summary>
/// Re-encrypts every secret of a store under a new master key in one transaction: until it commits the old key opens the
/// store; after it, the new one. A crash at any point leaves a store that exactly one of the two keys opens. When the key
/// lives in the data directory the new one is written to <c>master.key.new</c> before the transaction and moved over
/// <c>master.key</c> after it; running the rotation again after a crash finishes (or cleanly restarts) the switch.
/// </summary>
public static class MasterKeyRotation
{
    /// <summary>The suffix of the new key file while a rotation is under way.</summary>
    public const string PendingKeySuffix = ".new";

    /// <summary>The suffix the old key file is kept under after a rotation.</summary>
    public const string PreviousKeySuffix = ".previous";

    /// <summary>
    /// Rotates the master key of the store <paramref name="options"/> name. <paramref name="newKeyBase64"/> is the new key
    /// (base64 of 32 bytes); null generates one, which needs the current key to live in the data directory's key file.
    /// </summary>
    /// <exception cref="StoreMaintenanceException">no usable key, the store is in use, or neither key opens it.</exception>
    public static Task<MasterKeyRotationResult> RotateAsync(BrokerOptions options, string? newKeyBase64, CancellationToken cancellationToken = default) =>
        RotateAsync(options, newKeyBase64, afterEach: null, cancellationToken);

    /// <summary>As the public overload; <paramref name="afterEach"/> runs after each value is re-encrypted (tests inject a fault there).</summary>
    internal static async Task<MasterKeyRotationResult> RotateAsync(
        BrokerOptions options,
        string? newKeyBase64,
        Func<int, int, CancellationToken, Task>? afterEach,
        CancellationToken cancellationToken)
    {
        var target = MaintenanceTarget.From(options);
        var (current, origin) = target.LoadExistingKey();
        MasterKey? next = null;
        if (newKeyBase64 is not null)
        {
            try
            {
                next = MasterKey.Parse(newKeyBase64, "the new master key");
            }
            catch (MasterKeyException ex)
            {
                throw new StoreMaintenanceException(ex.Message, ex);
            }
        }

        if (next is null && origin != MasterKeyOrigin.KeyFile)
        {
            throw new StoreMaintenanceException(
                $"the master key comes from {current.Source}, which IamDb cannot rewrite: give the new key with --new-key-env VAR "
                + $"(make one with: openssl rand -base64 32), then switch {current.Source} to it");
        }

        if (next is not null && next.Bytes.SequenceEqual(current.Bytes))
        {
            throw new StoreMaintenanceException("the new master key is the current one; give a different key");
        }

        SqliteStoreLock? exclusive = null;
        if (!target.IsPostgres)
        {
            if (!File.Exists(target.StateFilePath) || new FileInfo(target.StateFilePath).Length == 0)
            {
                throw new StoreMaintenanceException(
                    $"there is no IamDb state in {target.DataDirectory} (no {DataDirectory.StateFileName}); give the broker's --data-dir or --config");
            }

            exclusive = SqliteStoreLock.TryAcquireExclusive(target.StateFilePath) ?? throw new StoreMaintenanceException(
                $"the store {target.StateFilePath} is in use (a broker, or iamdb audit, has it open): stop it first (for example: "
                + "systemctl stop iamdb), then rotate. Nothing was changed");
        }

        try
        {
            return await RotateAsync(target, exclusive, current, origin, next, afterEach, cancellationToken);
        }
        finally
        {
            exclusive?.Dispose();
        }
    }

    private static async Task<MasterKeyRotationResult> RotateAsync(
        MaintenanceTarget target,
        SqliteStoreLock? exclusive,
        MasterKey current,
        MasterKeyOrigin origin,
        MasterKey? next,
        Func<int, int, CancellationToken, Task>? afterEach,
        CancellationToken cancellationToken)
    {
        var pendingKeyPath = target.KeyFilePath + PendingKeySuffix;
        var pendingSecretPath = target.LocalClusterSecretPath + PendingKeySuffix;

        // The key a rotation that committed but did not finish switching files would have left the store under.
        var candidate = origin == MasterKeyOrigin.KeyFile && File.Exists(pendingKeyPath) ? ReadKey(pendingKeyPath) : next;
        SqlStateStore store;
        try
        {
            store = await StateStoreFactory.OpenAsync(target.Location(exclusive), new SecretProtector(current), cancellationToken: cancellationToken);
        }
        catch (MasterKeyException ex)
        {
            if (candidate is not null && await OpensAsync(target, exclusive, candidate, cancellationToken))
            {
                return Finish(target, origin, current, secretsReencrypted: 0, resumed: true);
            }

            throw new StoreMaintenanceException($"{ex.Message} (neither the current nor the new key opens it)", ex);
        }

        await using (store)
        {
            next ??= MasterKey.Generate();
            var protector = new SecretProtector(current);
            var nextProtector = new SecretProtector(next);

            // Leftovers of an attempt that never committed (the current key still opens the store): start afresh.
            // (A PostgreSQL store's data directory may not exist on this machine at all.)
            if (Directory.Exists(target.DataDirectory))
            {
                File.Delete(pendingKeyPath);
                File.Delete(pendingSecretPath);
            }

            if (origin == MasterKeyOrigin.KeyFile)
            {
                WritePrivateFile(pendingKeyPath, Convert.ToBase64String(next.Bytes) + "\n");
            }

            if (File.Exists(target.LocalClusterSecretPath))
            {
                var value = Convert.FromBase64String(File.ReadAllText(target.LocalClusterSecretPath).Trim());
                WritePrivateFile(pendingSecretPath, Convert.ToBase64String(protector.Reencrypt(value, LocalClusterService.SecretContext, nextProtector)));
            }

            var count = await store.RunInOneTransactionAsync(
                (session, ct) => StoreSecretReencryption.ReencryptAllAsync(session, nextProtector, afterEach, ct),
                cancellationToken);
            return Finish(target, origin, current, count, resumed: false);
        }
    }

    // After the commit: the store is under the new key; move the files written under it into place.
    private static MasterKeyRotationResult Finish(MaintenanceTarget target, MasterKeyOrigin origin, MasterKey current, int secretsReencrypted, bool resumed)
    {
        var pendingSecretPath = target.LocalClusterSecretPath + PendingKeySuffix;
        if (File.Exists(pendingSecretPath))
        {
            File.Move(pendingSecretPath, target.LocalClusterSecretPath, overwrite: true);
        }

        if (origin != MasterKeyOrigin.KeyFile)
        {
            return new MasterKeyRotationResult(secretsReencrypted, null, null, current.Source, resumed);
        }

        var pendingKeyPath = target.KeyFilePath + PendingKeySuffix;
        var previous = target.KeyFilePath + PreviousKeySuffix;
        File.Delete(previous);
        File.Copy(target.KeyFilePath, previous);
        File.Move(pendingKeyPath, target.KeyFilePath, overwrite: true);
        return new MasterKeyRotationResult(secretsReencrypted, target.KeyFilePath, previous, null, resumed);
    }

    private static async Task<bool> OpensAsync(MaintenanceTarget target, SqliteStoreLock? exclusive, MasterKey key, CancellationToken cancellationToken)
    {
        try
        {
            await using var store = await StateStoreFactory.OpenAsync(target.Location(exclusive), new SecretProtector(key), cancellationToken: cancellationToken);
            return true;
        }
        catch (MasterKeyException)
        {
            return false;
        }
    }

    private static MasterKey ReadKey(string path)
    {
        try
        {
            return MasterKey.Parse(File.ReadAllText(path, Encoding.ASCII), path);
        }
        catch (MasterKeyException ex)
        {
            throw new StoreMaintenanceException($"{ex.Message}; if no rotation is under way, remove {path}", ex);
        }
    }

    // Created 0600 from the start and flushed to disk before anything depends on it.
    private static void WritePrivateFile(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
