using System.Data.Common;
using IamDb.Broker.Secrets;

namespace IamDb.Broker.State.Sql;

/// <summary>One open transaction and the helpers every repository uses to run SQL on it.</summary>
internal sealed class SqlSession(DbConnection connection, DbTransaction transaction, SqlDialect dialect, SecretProtector protector)
{
    public SqlDialect Dialect { get; } = dialect;

    public SecretProtector Protector { get; } = protector;

    public static string NameKey(string name) => name.ToUpperInvariant();

    public DbCommand Command(string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs an INSERT or UPDATE, turning a uniqueness violation into <paramref name="onDuplicate"/>'s exception.</summary>
    public async Task<int> ExecuteUniqueAsync(string sql, Func<Exception> onDuplicate, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        try
        {
            return await ExecuteAsync(sql, cancellationToken, parameters);
        }
        catch (DbException e) when (Dialect.IsUniqueViolation(e))
        {
            throw onDuplicate();
        }
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<T?> SingleAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        where T : class
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }

    public Task<List<T>> ListAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        ListAsync(sql, parameters, map, cancellationToken);

    public async Task<List<T>> ListAsync<T>(string sql, IEnumerable<(string Name, object? Value)> parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(map(reader));
        }

        return items;
    }

    /// <summary>
    /// A page in ascending order of one text column: rows after the marker's key, one extra row fetched to
    /// learn whether the list is truncated.
    /// </summary>
    public async Task<Page<T>> PageByKeyAsync<T>(
        string list,
        SqlQuery query,
        string keyColumn,
        PageRequest page,
        Func<DbDataReader, T> map,
        Func<T, string> keyOf,
        CancellationToken cancellationToken)
    {
        var after = PageMarker.Decode(list, page.Marker);
        if (after is not null)
        {
            query.Where($"{keyColumn} > @page_after", ("page_after", after));
        }

        query.Parameters.Add(("page_limit", (long)page.Limit + 1));
        var items = await ListAsync(query.Build($"ORDER BY {keyColumn} LIMIT @page_limit"), query.Parameters, map, cancellationToken);
        return Truncate(list, items, page.Limit, item => keyOf(item));
    }

    /// <summary>
    /// A page newest first by (<paramref name="timeColumn"/>, <paramref name="tieColumn"/>) descending; the marker
    /// holds both so equal times page correctly.
    /// </summary>
    public async Task<Page<T>> PageNewestFirstAsync<T>(
        string list,
        SqlQuery query,
        string timeColumn,
        string tieColumn,
        bool tieIsNumber,
        PageRequest page,
        Func<DbDataReader, (T Item, long Time, string Tie)> map,
        CancellationToken cancellationToken)
    {
        var after = PageMarker.Decode(list, page.Marker);
        if (after is not null)
        {
            var separator = after.IndexOf(':', StringComparison.Ordinal);
            if (separator < 0 || !long.TryParse(after.AsSpan(0, separator), out var time))
            {
                throw new InvalidMarkerException();
            }

            var tieText = after[(separator + 1)..];
            object tie = tieText;
            if (tieIsNumber)
            {
                tie = long.TryParse(tieText, out var number) ? number : throw new InvalidMarkerException();
            }

            query.Where(
                $"({timeColumn} < @page_time OR ({timeColumn} = @page_time AND {tieColumn} < @page_tie))",
                ("page_time", time),
                ("page_tie", tie));
        }

        query.Parameters.Add(("page_limit", (long)page.Limit + 1));
        var rows = await ListAsync(query.Build($"ORDER BY {timeColumn} DESC, {tieColumn} DESC LIMIT @page_limit"), query.Parameters, map, cancellationToken);
        var truncated = Truncate(list, rows, page.Limit, row => $"{row.Time}:{row.Tie}");
        return new Page<T>(truncated.Items.Select(row => row.Item).ToList(), truncated.NextMarker);
    }

    private static Page<T> Truncate<T>(string list, List<T> items, int limit, Func<T, string> positionOf)
    {
        if (items.Count <= limit)
        {
            return new Page<T>(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new Page<T>(items, PageMarker.Encode(list, positionOf(items[^1])));
    }
}

/// <summary>Typed column reads shared by the repositories.</summary>
internal static class DataReaderExtensions
{
    public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset GetTime(this DbDataReader reader, int ordinal) => StoreTime.FromUnixMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? GetTimeOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : StoreTime.FromUnixMilliseconds(reader.GetInt64(ordinal));

    public static byte[] GetBytes(this DbDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    public static long Millis(this DateTimeOffset value) => StoreTime.ToUnixMilliseconds(value);

    public static long? Millis(this DateTimeOffset? value) => value is null ? null : StoreTime.ToUnixMilliseconds(value.Value);
}
