using System.Globalization;
using System.Security.Cryptography;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Sql;
using Microsoft.Data.Sqlite;

namespace IamDb.Broker.Hosting.Maintenance;

/// <summary>What <see cref="StateBackup.BackupAsync"/> wrote.</summary>
/// <param name="BackupPath">The backup file (mode 0600).</param>
/// <param name="SourcePath">The store it copied.</param>
/// <param name="SchemaVersion">The store's schema version, which a restore needs this or a later IamDb to read.</param>
/// <param name="Bytes">The backup's size.</param>
public sealed record StateBackupResult(string BackupPath, string SourcePath, int SchemaVersion, long Bytes);

/// <summary>What <see cref="StateBackup.RestoreAsync"/> put in place.</summary>
/// <param name="StorePath">The restored store.</param>
/// <param name="SchemaVersion">The backup's schema version (a broker start migrates it forward if this IamDb is newer).</param>
/// <param name="PreviousStorePath">Where the store that was replaced was kept, or null when there was none.</param>
public sealed record StateRestoreResult(string StorePath, int SchemaVersion, string? PreviousStorePath);

/// <summary>
/// Online backup and offline restore of the embedded SQLite store. A backup is SQLite's backup API: one consistent snapshot
/// while the broker keeps serving. A restore never replaces a store that a process has open. Neither touches the master
/// key: it is not inside the store, so a backup alone discloses no secret and restoring one needs the key it was made with.
/// A PostgreSQL store is backed up with pg_dump; both say so.
/// </summary>
public static class StateBackup
{
    /// <summary>The suffix of the copy of a store that a restore replaced.</summary>
    public const string PreviousStoreSuffix = ".before-restore";

    /// <summary>Copies the SQLite store of <paramref name="options"/> to <paramref name="outputPath"/> while it stays in use.</summary>
    /// <exception cref="StoreMaintenanceException">a PostgreSQL store (with the pg_dump recipe), no store, or the output exists.</exception>
    public static async Task<StateBackupResult> BackupAsync(BrokerOptions options, string outputPath, bool overwrite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        var target = MaintenanceTarget.From(options);
        if (target.IsPostgres)
        {
            throw new StoreMaintenanceException(PostgresRecipe(target));
        }

        var database = target.StateFilePath;
        if (!HasStore(database))
        {
            throw new StoreMaintenanceException(
                $"there is no IamDb state in {target.DataDirectory} (no {DataDirectory.StateFileName}); give the broker's --data-dir or --config");
        }

        var output = Path.GetFullPath(outputPath);
        if (output.StartsWith(database, StringComparison.Ordinal))
        {
            throw new StoreMaintenanceException($"--out {output} is the store itself or one of its files; write the backup somewhere else");
        }

        if (Directory.Exists(output))
        {
            throw new StoreMaintenanceException($"--out {output} is a directory; give a file name, for example {Path.Combine(output, "iamdb-state.db")}");
        }

        if (File.Exists(output) && !overwrite)
        {
            throw new StoreMaintenanceException($"{output} exists already; choose another --out, or add --force to replace it");
        }

        var folder = Path.GetDirectoryName(output)!;
        if (!Directory.Exists(folder))
        {
            throw new StoreMaintenanceException($"the folder {folder} does not exist; create it first (mkdir -p {folder})");
        }

        using var inUse = Shared(database);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.tmp");
        try
        {
            int version;
            DataDirectory.CreatePrivateFile(temporary);
            await using (var source = await OpenAsync(database, SqliteOpenMode.ReadWrite, cancellationToken))
            await using (var destination = await OpenAsync(temporary, SqliteOpenMode.ReadWrite, cancellationToken))
            {
                // One step of the whole database: the copy is a single read transaction, so it is one consistent snapshot.
                source.BackupDatabase(destination);

                // A self-contained file: no -wal beside it, readable where it is stored.
                await ExecuteAsync(destination, "PRAGMA journal_mode=DELETE", cancellationToken);
                await CheckIntegrityAsync(destination, temporary, cancellationToken);
                version = await SchemaMigrator.CurrentVersionAsync(destination, cancellationToken);
            }

            FlushToDisk(temporary);
            File.Move(temporary, output, overwrite);
            return new StateBackupResult(output, database, version, new FileInfo(output).Length);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Replaces the SQLite store of <paramref name="options"/> with the backup at <paramref name="backupPath"/>, after checking
    /// that it is an IamDb store this version can read and that the data directory's master key opens it.
    /// </summary>
    /// <exception cref="StoreMaintenanceException">
    /// a PostgreSQL store (with the pg_restore recipe), not a backup, the wrong or no master key, the store is in use, or it
    /// exists and <paramref name="force"/> is false. Nothing was changed.
    /// </exception>
    public static async Task<StateRestoreResult> RestoreAsync(BrokerOptions options, string backupPath, bool force, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backupPath);
        var target = MaintenanceTarget.From(options);
        if (target.IsPostgres)
        {
            throw new StoreMaintenanceException(PostgresRecipe(target));
        }

        var backup = Path.GetFullPath(backupPath);
        if (!File.Exists(backup))
        {
            throw new StoreMaintenanceException($"there is no backup at {backup}");
        }

        var (key, _) = target.LoadExistingKey();
        var version = await InspectAsync(backup, key, target, cancellationToken);

        DataDirectory.Prepare(target.DataDirectory);
        var database = target.StateFilePath;
        using var exclusive = SqliteStoreLock.TryAcquireExclusive(database) ?? throw new StoreMaintenanceException(
            $"the store {database} is in use (a broker, or iamdb audit, has it open); stop it first (for example: systemctl stop iamdb), "
            + "then run restore again. Nothing was changed");
        if (HasStore(database) && !force)
        {
            throw new StoreMaintenanceException(
                $"{target.DataDirectory} already holds a store; add --force to replace it (the current one is kept as "
                + $"{database}{PreviousStoreSuffix}). Nothing was changed");
        }

        var temporary = Path.Combine(target.DataDirectory, $".{DataDirectory.StateFileName}.{Guid.NewGuid():N}.restore");
        try
        {
            DataDirectory.CreatePrivateFile(temporary);
            await using (var source = await OpenAsync(backup, SqliteOpenMode.ReadOnly, cancellationToken))
            await using (var destination = await OpenAsync(temporary, SqliteOpenMode.ReadWrite, cancellationToken))
            {
                source.BackupDatabase(destination);
                await CheckIntegrityAsync(destination, backup, cancellationToken);
            }

            FlushToDisk(temporary);
            string? previous = null;
            if (File.Exists(database))
            {
                // Fold the write-ahead log into the old file first: a -wal left beside the restored file would be replayed into it.
                if (HasStore(database))
                {
                    await using var old = await OpenAsync(database, SqliteOpenMode.ReadWrite, cancellationToken);
                    await ExecuteAsync(old, "PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken);
                    await ExecuteAsync(old, "PRAGMA journal_mode=DELETE", cancellationToken);
                    previous = database + PreviousStoreSuffix;
                    File.Move(database, previous, overwrite: true);
                }
                else
                {
                    File.Delete(database);
                }
            }

            File.Delete(database + "-wal");
            File.Delete(database + "-shm");
            File.Move(temporary, database);
            return new StateRestoreResult(database, version, previous);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>How to back up and restore a PostgreSQL store, for a message.</summary>
    internal static string PostgresRecipe(MaintenanceTarget target)
    {
        var connection = target.PostgresConnectionForDisplay();
        return "this broker's store is PostgreSQL, which IamDb does not copy itself: back it up with pg_dump, which takes one "
            + "consistent snapshot while the brokers run:\n"
            + $"  pg_dump --format=custom --file iamdb-state.dump \"{connection}\"\n"
            + "and restore it, with every broker stopped, into an empty database (or add --clean --if-exists):\n"
            + $"  pg_restore --single-transaction --dbname \"{connection}\" iamdb-state.dump\n"
            + "The password comes from PGPASSWORD or ~/.pgpass. The master key is not in the dump: keep it apart from the dumps, "
            + "and restore a dump with the key it was made with.";
    }

    // A file the broker created but never wrote (an interrupted first start) is not a store.
    private static bool HasStore(string database) => File.Exists(database) && new FileInfo(database).Length > 0;

    private static SqliteStoreLock Shared(string database)
    {
        try
        {
            return SqliteStoreLock.AcquireShared(database);
        }
        catch (StateStoreBusyException ex)
        {
            throw new StoreMaintenanceException(ex.Message, ex);
        }
    }

    // A SQLite file made by IamDb, of a schema this version knows, whose key check opens with the target's master key.
    private static async Task<int> InspectAsync(string backup, MasterKey key, MaintenanceTarget target, CancellationToken cancellationToken)
    {
        int version;
        byte[]? keyCheck;
        try
        {
            await using var connection = await OpenAsync(backup, SqliteOpenMode.ReadOnly, cancellationToken);
            await CheckIntegrityAsync(connection, backup, cancellationToken);
            version = await SchemaMigrator.CurrentVersionAsync(connection, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM store_metadata WHERE key = $key";
            command.Parameters.AddWithValue("$key", SchemaMigrator.KeyCheckName);
            keyCheck = await command.ExecuteScalarAsync(cancellationToken) as byte[];
        }
        catch (SqliteException ex)
        {
            throw new StoreMaintenanceException($"{backup} is not an IamDb backup ({ex.Message}); give a file written by iamdb backup", ex);
        }

        var known = SchemaMigrator.Load(SqliteDialect.Instance).Max(m => m.Version);
        if (version > known)
        {
            throw new StoreMaintenanceException(
                $"{backup} comes from a newer IamDb (schema version {version.ToString(CultureInfo.InvariantCulture)}; this one knows up to "
                + $"{known.ToString(CultureInfo.InvariantCulture)}): migrations only go forward, so restore it with that version or a later one");
        }

        if (keyCheck is null)
        {
            throw new StoreMaintenanceException($"{backup} is not an IamDb backup (it has no master key check); give a file written by iamdb backup");
        }

        try
        {
            var plaintext = new SecretProtector(key).Unprotect(keyCheck, SchemaMigrator.KeyCheckContext);
            CryptographicOperations.ZeroMemory(plaintext);
        }
        catch (SecretDecryptionException ex)
        {
            throw new StoreMaintenanceException(
                $"{backup} was made under another master key than {key.Source}'s. The key is never inside a backup: put the key the "
                + $"backup was made with in place ({target.KeyFilePath}, mode 0600, or {MasterKey.EnvironmentVariable}) and run restore "
                + "again. Nothing was changed",
                ex);
        }

        return version;
    }

    private static async Task<SqliteConnection> OpenAsync(string path, SqliteOpenMode mode, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = (int)SqliteStateStore.BusyTimeout.TotalSeconds,
        }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"PRAGMA busy_timeout={(int)SqliteStateStore.BusyTimeout.TotalMilliseconds}", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task CheckIntegrityAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check";
        var result = await command.ExecuteScalarAsync(cancellationToken) as string;
        if (result != "ok")
        {
            throw new StoreMaintenanceException($"{path} is damaged (SQLite quick_check: {result}); use another backup");
        }
    }

    private static void FlushToDisk(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
    }
}
