using IamDb.Broker.Secrets;

namespace IamDb.Broker.State.Sql;

/// <summary>A column that holds values encrypted under the master key, and the context each row's value is bound to.</summary>
/// <param name="Table">The table.</param>
/// <param name="Column">The encrypted column.</param>
/// <param name="KeyColumns">The columns that identify a row (and from which its encryption context is built).</param>
/// <param name="Context">The encryption context of a row, from its key column values in order.</param>
/// <param name="Filter">An extra SQL condition selecting the encrypted rows, when only some rows of the table are.</param>
internal sealed record EncryptedColumn(string Table, string Column, IReadOnlyList<string> KeyColumns, Func<IReadOnlyList<string>, string> Context, string? Filter = null);

/// <summary>
/// Re-encrypts every secret in a store under a new master key, inside the caller's one transaction: until it commits the
/// store is entirely under the old key, afterwards entirely under the new one (the key check included, so a store always
/// opens with exactly one of the two).
/// </summary>
internal static class StoreSecretReencryption
{
    /// <summary>
    /// Every encrypted column of the schema. A migration that adds a secret must add it here; a test compares this list
    /// with the binary columns of the migrated schema.
    /// </summary>
    public static IReadOnlyList<EncryptedColumn> Columns { get; } =
    [
        new("iam_access_keys", "secret", ["access_key_id"], k => SqlAccessKeys.Context(k[0])),
        new("sts_sessions", "secret", ["access_key_id"], k => SqlSessions.Context(k[0])),
        new("redshift_clusters", "admin_password", ["account_id", "identifier"], k => SqlClusters.Context(k[0], k[1])),
        new("store_metadata", "value", ["key"], _ => SchemaMigrator.KeyCheckContext, $"key = '{SchemaMigrator.KeyCheckName}'"),
    ];

    /// <summary>
    /// Re-encrypts every value of <see cref="Columns"/> from <paramref name="session"/>'s key to <paramref name="target"/>'s;
    /// <paramref name="afterEach"/> (tests: a fault part-way) runs after each value is rewritten, with the count so far and
    /// the total. Returns how many values were re-encrypted.
    /// </summary>
    /// <exception cref="SecretDecryptionException">a value does not decrypt under the current key (nothing is committed).</exception>
    public static async Task<int> ReencryptAllAsync(
        SqlSession session,
        SecretProtector target,
        Func<int, int, CancellationToken, Task>? afterEach,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(target);
        var rows = new List<(EncryptedColumn Column, string[] Key, byte[] Value)>();
        foreach (var column in Columns)
        {
            var keys = string.Join(", ", column.KeyColumns);
            var where = column.Filter is null ? string.Empty : $" WHERE {column.Filter}";
            var values = await session.ListAsync(
                $"SELECT {keys}, {column.Column} FROM {column.Table}{where}",
                r =>
                {
                    var key = new string[column.KeyColumns.Count];
                    for (var i = 0; i < key.Length; i++)
                    {
                        key[i] = r.GetString(i);
                    }

                    return (column, key, r.GetBytes(key.Length));
                },
                cancellationToken);
            rows.AddRange(values);
        }

        var done = 0;
        foreach (var (column, key, value) in rows)
        {
            var reencrypted = session.Protector.Reencrypt(value, column.Context(key), target);
            var parameters = new List<(string Name, object? Value)> { ("value", reencrypted) };
            var conditions = new List<string>();
            for (var i = 0; i < key.Length; i++)
            {
                parameters.Add(($"k{i}", key[i]));
                conditions.Add($"{column.KeyColumns[i]} = @k{i}");
            }

            await session.ExecuteAsync(
                $"UPDATE {column.Table} SET {column.Column} = @value WHERE {string.Join(" AND ", conditions)}",
                cancellationToken,
                [.. parameters]);
            done++;
            if (afterEach is not null)
            {
                await afterEach(done, rows.Count, cancellationToken);
            }
        }

        return done;
    }
}
