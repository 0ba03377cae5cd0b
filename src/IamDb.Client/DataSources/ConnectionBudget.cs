namespace IamDb.Client.DataSources;

/// <summary>
/// An upper bound on server connections shared by several <see cref="ClusterDataSource"/>s (one per database, say, on
/// one PostgreSQL server with <c>max_connections</c> 200). Each data source reserves its
/// <see cref="ClusterDataSourceOptions.MaxPoolSize"/> when it is created and returns it when disposed; a data source
/// holds at most that many connections, rotations included, so the fleet stays within <see cref="MaxConnections"/>.
/// Creating a data source the budget cannot cover fails with a message saying so.
/// </summary>
public sealed class ConnectionBudget
{
    private readonly Lock _gate = new();
    private int _reserved;

    /// <summary>A budget of <paramref name="maxConnections"/> server connections.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConnections"/> is less than 1.</exception>
    public ConnectionBudget(int maxConnections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        MaxConnections = maxConnections;
    }

    /// <summary>The bound.</summary>
    public int MaxConnections { get; }

    /// <summary>Connections reserved by live data sources.</summary>
    public int Reserved
    {
        get
        {
            lock (_gate)
            {
                return _reserved;
            }
        }
    }

    internal void Reserve(int count, string what)
    {
        lock (_gate)
        {
            if (_reserved + count > MaxConnections)
            {
                throw new InvalidOperationException(
                    $"The connection budget of {MaxConnections} cannot cover {count} more for {what}: {_reserved} are reserved by other data sources. " +
                    "Lower ClusterDataSourceOptions.MaxPoolSize, dispose data sources you no longer use, or raise the budget (within the server's max_connections).");
            }

            _reserved += count;
        }
    }

    internal void Return(int count)
    {
        lock (_gate)
        {
            _reserved = Math.Max(0, _reserved - count);
        }
    }
}
