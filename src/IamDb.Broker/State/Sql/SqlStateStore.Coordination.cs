using System.Text;

namespace IamDb.Broker.State.Sql;

/// <summary>The store's side of <see cref="IStoreCoordination"/>: metadata, leases and the schema check, in both dialects.</summary>
internal abstract partial class SqlStateStore : IStoreCoordination
{
    public Task<T> WriteExclusiveAsync<T>(Func<IExclusiveStateWriter, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunWriteAsync(BeginExclusiveAsync, (session, ct) => work(new ExclusiveWriter(session), ct), cancellationToken);
    }

    public Task<bool> TryAcquireLeaseAsync(string name, string holder, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken) =>
        RunWriteAsync(
            ct => BeginAsync(write: true, ct),
            async (session, ct) =>
            {
                // Insert, renew our own, or take over an expired one; a live lease of another holder is left alone.
                var changed = await session.ExecuteAsync(
                    """
                    INSERT INTO store_leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE store_leases.holder = excluded.holder OR store_leases.expires_at <= @now
                    """,
                    ct,
                    ("name", name),
                    ("holder", holder),
                    ("expires", (now + duration).Millis()),
                    ("now", now.Millis()));
                return changed == 1;
            },
            cancellationToken);

    public Task ReleaseLeaseAsync(string name, string holder, CancellationToken cancellationToken) =>
        RunWriteAsync(
            ct => BeginAsync(write: true, ct),
            (session, ct) => session.ExecuteAsync(
                "UPDATE store_leases SET expires_at = 0 WHERE name = @name AND holder = @holder", ct, ("name", name), ("holder", holder)),
            cancellationToken);

    public async Task<IReadOnlyList<int>> MissingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var unit = await BeginAsync(write: false, cancellationToken);
        var applied = (await unit.Session.ListAsync("SELECT version FROM schema_migrations", r => r.GetInt64(0), cancellationToken)).ToHashSet();
        await unit.Transaction.CommitAsync(cancellationToken);
        return [.. SchemaMigrator.Load(Dialect).Select(m => m.Version).Where(v => !applied.Contains(v))];
    }

    /// <summary>
    /// Begins a write that excludes every other exclusive write and sees what they committed. SQLite's write transaction
    /// already is one (a single writer, BEGIN IMMEDIATE); PostgreSQL adds its migration lock.
    /// </summary>
    protected virtual Task<UnitOfWork> BeginExclusiveAsync(CancellationToken cancellationToken) => BeginAsync(write: true, cancellationToken);

    private sealed class ExclusiveWriter(SqlSession session) : IExclusiveStateWriter
    {
        public IStateWriter State { get; } = new SqlStateSession(session);

        public async Task<string?> GetMetadataAsync(string key, CancellationToken cancellationToken)
        {
            var value = await session.SingleAsync("SELECT value FROM store_metadata WHERE key = @key", r => r.GetBytes(0), cancellationToken, ("key", key));
            return value is null ? null : Encoding.UTF8.GetString(value);
        }

        public Task AddMetadataAsync(string key, string value, CancellationToken cancellationToken) =>
            session.ExecuteAsync(
                "INSERT INTO store_metadata (key, value) VALUES (@key, @value)", cancellationToken, ("key", key), ("value", Encoding.UTF8.GetBytes(value)));

        public async Task<IReadOnlyList<string>> ListAccountsWithRootKeysAsync(CancellationToken cancellationToken) =>
            await session.ListAsync(
                "SELECT DISTINCT account_id FROM iam_access_keys WHERE user_id IS NULL ORDER BY account_id", r => r.GetString(0), cancellationToken);
    }
}
