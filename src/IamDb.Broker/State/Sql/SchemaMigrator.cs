using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using IamDb.Broker.Secrets;

namespace IamDb.Broker.State.Sql;

/// <summary>One versioned schema change, an embedded SQL script.</summary>
internal sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>
/// Brings a database to the latest schema and checks the master key, in ONE transaction that the caller
/// has already made exclusive (SQLite <c>BEGIN IMMEDIATE</c>, a PostgreSQL advisory lock): a second
/// migrator waits, then finds nothing to do. With the wrong master key it throws before changing anything.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>The <c>store_metadata</c> key of the value that proves which master key the store was made with.</summary>
    internal const string KeyCheckName = "master_key_check";

    /// <summary>The encryption context of the key check value.</summary>
    internal const string KeyCheckContext = "iamdb-master-key-check";

    private static readonly byte[] KeyCheckPlaintext = Encoding.ASCII.GetBytes("IamDb master key check v1");

    /// <summary>The dialect's migrations in version order.</summary>
    public static IReadOnlyList<SchemaMigration> Load(SqlDialect dialect)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"IamDb.Broker.State.Migrations.{dialect.Name}/";
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..];
            var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new SchemaMigration(version, Path.GetFileNameWithoutExtension(fileName), reader.ReadToEnd()));
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    /// <summary>Applies pending migrations and verifies (or records) the master key check; returns the versions applied.</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(
        SqlSession session,
        IReadOnlyList<SchemaMigration> migrations,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await session.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            cancellationToken);
        var applied = (await session.ListAsync("SELECT version FROM schema_migrations", r => r.GetInt64(0), cancellationToken)).ToHashSet();

        // An existing store: refuse a wrong key before touching its schema.
        if (applied.Count > 0)
        {
            await VerifyKeyCheckAsync(session, cancellationToken);
        }

        var newlyApplied = new List<int>();
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await session.ExecuteAsync(migration.Sql, cancellationToken);
            await session.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                cancellationToken,
                ("version", (long)migration.Version),
                ("name", migration.Name),
                ("at", now.Millis()));
            newlyApplied.Add(migration.Version);
        }

        if (!await VerifyKeyCheckAsync(session, cancellationToken))
        {
            await session.ExecuteAsync(
                "INSERT INTO store_metadata (key, value) VALUES (@key, @value)",
                cancellationToken,
                ("key", KeyCheckName),
                ("value", session.Protector.Protect(KeyCheckPlaintext, KeyCheckContext)));
        }

        return newlyApplied;
    }

    // False when no check value is stored yet; throws when the stored one was made with another key.
    private static async Task<bool> VerifyKeyCheckAsync(SqlSession session, CancellationToken cancellationToken)
    {
        var stored = await session.SingleAsync(
            "SELECT value FROM store_metadata WHERE key = @key",
            r => r.GetBytes(0),
            cancellationToken,
            ("key", KeyCheckName));
        if (stored is null)
        {
            return false;
        }

        try
        {
            var plaintext = session.Protector.Unprotect(stored, KeyCheckContext);
            if (!CryptographicOperations.FixedTimeEquals(plaintext, KeyCheckPlaintext))
            {
                throw new SecretDecryptionException(KeyCheckContext);
            }
        }
        catch (SecretDecryptionException e)
        {
            throw new MasterKeyException(
                "the master key does not match the one this data directory was created with: "
                + $"check {MasterKey.EnvironmentVariable} or the {MasterKey.FileName} file; nothing was changed",
                e);
        }

        return true;
    }

    /// <summary>The highest applied version, or 0 for an empty database.</summary>
    public static async Task<int> CurrentVersionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(version) FROM schema_migrations";
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }
}
