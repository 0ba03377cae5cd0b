using System.Data.Common;
using System.Net.Sockets;
using IamDb.Broker.State;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// Counts the store's own failures (<c>iamdb_store_errors_total</c>) for every caller at once: requests, the key
/// lookup, the audit writer and the reaper. A domain answer thrown inside a unit of work (no such entity, already exists,
/// an AWS error) is not a store error and is not counted.
/// </summary>
internal sealed class MeteredStateStore(IStateStore inner) : IStateStore
{
    /// <summary>The decorated store.</summary>
    public IStateStore Inner => inner;

    public async Task<T> ReadAsync<T>(Func<IStateReader, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(work, cancellationToken);
        }
        catch (Exception ex) when (Count("read", ex))
        {
            throw; // not reached: the filter records and declines
        }
    }

    public async Task<T> WriteAsync<T>(Func<IStateWriter, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.WriteAsync(work, cancellationToken);
        }
        catch (Exception ex) when (Count("write", ex))
        {
            throw; // not reached: the filter records and declines
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>The kind of store failure <paramref name="exception"/> is, or null when it is not one.</summary>
    internal static string? Classify(Exception exception)
    {
        if (exception is StateContentionException)
        {
            return "contention";
        }

        if (exception is StateException or OperationCanceledException)
        {
            return null;
        }

        // The SQL layer may wrap the driver's exception (an unreachable store): look through the chain.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or SocketException or TimeoutException or IOException)
            {
                return "failure";
            }
        }

        return null;
    }

    private static bool Count(string operation, Exception exception)
    {
        if (Classify(exception) is { } kind)
        {
            BrokerMetrics.StoreError(operation, kind);
        }

        return false;
    }
}
