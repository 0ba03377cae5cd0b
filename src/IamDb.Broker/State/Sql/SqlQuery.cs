using System.Text;

namespace IamDb.Broker.State.Sql;

/// <summary>A SELECT assembled from optional filters, so absent filters add no clause (and no untyped NULL parameter).</summary>
internal sealed class SqlQuery(string select)
{
    private readonly List<string> _conditions = [];

    public List<(string Name, object? Value)> Parameters { get; } = [];

    public SqlQuery Where(string condition, params (string Name, object? Value)[] parameters)
    {
        _conditions.Add(condition);
        Parameters.AddRange(parameters);
        return this;
    }

    /// <summary>Adds a case-sensitive path prefix filter on <paramref name="column"/> when a prefix is given.</summary>
    public SqlQuery WherePathPrefix(string column, string? prefix) =>
        string.IsNullOrEmpty(prefix) ? this : Where($"substr({column}, 1, @path_len) = @path_prefix", ("path_len", prefix.Length), ("path_prefix", prefix));

    public string Build(string tail)
    {
        var sql = new StringBuilder(select);
        for (var i = 0; i < _conditions.Count; i++)
        {
            sql.Append(i == 0 ? " WHERE " : " AND ").Append(_conditions[i]);
        }

        return sql.Append(' ').Append(tail).ToString();
    }
}
