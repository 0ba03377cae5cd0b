namespace IamDb.Broker.State.Sql;

/// <summary>
/// Who has a SQLite store open. Every process that opens one through <see cref="SqliteStateStore"/> (a broker,
/// <c>iamdb audit</c>) holds a shared lock on <c>state.db.lock</c> next to it; restore and master key rotation take that
/// lock exclusively, so they never replace or re-encrypt a store under a running broker, and no broker starts on a store
/// while they work. The lock is the operating system's (flock): a process that dies releases it.
/// </summary>
internal sealed class SqliteStoreLock : IDisposable
{
    private readonly FileStream _handle;

    private SqliteStoreLock(FileStream handle) => _handle = handle;

    /// <summary>The lock file of the store at <paramref name="databasePath"/>.</summary>
    public static string PathFor(string databasePath) => databasePath + ".lock";

    /// <summary>Takes the shared lock a store's user holds while it has the store open.</summary>
    /// <exception cref="StateStoreBusyException">a restore or a master key rotation holds the store.</exception>
    public static SqliteStoreLock AcquireShared(string databasePath)
    {
        try
        {
            // Read-only access with sharing allowed: .NET takes flock(LOCK_SH | LOCK_NB).
            return new SqliteStoreLock(Open(databasePath, FileAccess.Read, FileShare.ReadWrite));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new StateStoreBusyException(
                $"the state store {databasePath} is being restored or re-encrypted (iamdb restore or iamdb rotate-master-key holds "
                + $"{PathFor(databasePath)}); start again when that command has finished",
                ex);
        }
    }

    /// <summary>Takes the lock exclusively; null while any process has the store open.</summary>
    public static SqliteStoreLock? TryAcquireExclusive(string databasePath)
    {
        try
        {
            // No sharing: .NET takes flock(LOCK_EX | LOCK_NB), which fails while anyone holds LOCK_SH.
            return new SqliteStoreLock(Open(databasePath, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Dispose() => _handle.Dispose();

    private static FileStream Open(string databasePath, FileAccess access, FileShare share)
    {
        var path = PathFor(databasePath);
        DataDirectory.CreatePrivateFile(path);
        return new FileStream(path, FileMode.Open, access, share);
    }
}

/// <summary>A state store cannot be opened or changed now because another process is using it; the message says which and what to do.</summary>
internal sealed class StateStoreBusyException(string message, Exception? inner = null) : IOException(message, inner);
