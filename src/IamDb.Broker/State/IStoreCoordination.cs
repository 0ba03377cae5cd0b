namespace IamDb.Broker.State;

/// <summary>
/// What several broker nodes on one store agree through it: which account the store serves, which node runs a
/// single-node duty (the reaper), and whether the schema this node needs is in place.
/// </summary>
internal interface IStoreCoordination
{
    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction that excludes every other node's exclusive work (PostgreSQL:
    /// the migration lock; SQLite: its one writer), seeing everything committed before it began.
    /// </summary>
    Task<T> WriteExclusiveAsync<T>(Func<IExclusiveStateWriter, CancellationToken, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="now"/> plus
    /// <paramref name="duration"/>; false while another holder's lease has not expired.
    /// </summary>
    Task<bool> TryAcquireLeaseAsync(string name, string holder, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives the lease up (when <paramref name="holder"/> holds it), so another node may take it at once.</summary>
    Task ReleaseLeaseAsync(string name, string holder, CancellationToken cancellationToken);

    /// <summary>The schema versions this build needs that the store has not applied (empty when it is up to date).</summary>
    Task<IReadOnlyList<int>> MissingMigrationsAsync(CancellationToken cancellationToken);
}

/// <summary>A write transaction of <see cref="IStoreCoordination.WriteExclusiveAsync{T}"/>: the entities plus the store's own facts.</summary>
internal interface IExclusiveStateWriter
{
    IStateWriter State { get; }

    /// <summary>A value of the store's metadata (<c>account_id</c> …), or null.</summary>
    Task<string?> GetMetadataAsync(string key, CancellationToken cancellationToken);

    /// <summary>Records a metadata value that is not yet set.</summary>
    Task AddMetadataAsync(string key, string value, CancellationToken cancellationToken);

    /// <summary>Every account that has a root access key in the store (one, unless older nodes each made their own).</summary>
    Task<IReadOnlyList<string>> ListAccountsWithRootKeysAsync(CancellationToken cancellationToken);
}
