using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using IamDb.Broker.Telemetry;

namespace IamDb.Broker.Throttling;

/// <summary>
/// A budget of failed authentications per client address: each address may fail <c>burst</c> times, refilled at
/// <c>rate</c> per second. Once it is spent, every request from that address is answered <c>Throttling</c> before its
/// body is read, its key looked up in the store or its parameters decoded. Only failures spend the budget, so a client
/// that signs correctly is never slowed, however fast it calls. IPv6 clients are counted per /64 (one host's range).
/// </summary>
internal sealed class FailedAuthenticationThrottle(double ratePerSecond, int burst, TimeProvider time)
{
    // More addresses than this are not tracked one by one: fully refilled entries are dropped first, and while it stays
    // full the untracked addresses share one budget (an attack from many addresses is throttled as one).
    private const int MaxTrackedAddresses = 10_000;
    private const string SharedKey = "(other addresses)";

    private readonly ConcurrentDictionary<string, Budget> _budgets = new(StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="address"/> has spent its budget. <paramref name="firstRefusal"/> is true for the first
    /// refusal since the address last had its whole budget, so one record per episode says it is throttled, not one per request.
    /// </summary>
    /// <param name="address">The client address (IPv4-mapped addresses already mapped to IPv4).</param>
    /// <param name="text">Its text form, which the caller has already made for the audit record (the key for IPv4).</param>
    /// <param name="firstRefusal">True for the first refusal of an episode.</param>
    public bool IsThrottled(IPAddress address, string text, out bool firstRefusal)
    {
        firstRefusal = false;
        if (_budgets.IsEmpty)
        {
            return false; // no recent failure anywhere: the common case costs one check
        }

        var key = Key(address, text);
        if (!_budgets.TryGetValue(key, out var budget))
        {
            return false;
        }

        if (budget.IsFull(ratePerSecond, burst, time))
        {
            // Quiet long enough to have its whole budget again: forgetting it is the same, and keeps the map empty.
            _budgets.TryRemove(new KeyValuePair<string, Budget>(key, budget));
            return false;
        }

        if (!budget.IsSpent(ratePerSecond, burst, time, out firstRefusal))
        {
            return false;
        }

        BrokerMetrics.RequestThrottled("failed_authentication");
        return true;
    }

    /// <summary>Spends one unit of <paramref name="address"/>'s budget.</summary>
    public void RecordFailure(IPAddress address, string text)
    {
        var key = Key(address, text);
        if (!_budgets.TryGetValue(key, out var budget))
        {
            if (_budgets.Count >= MaxTrackedAddresses)
            {
                Prune();
            }

            budget = _budgets.GetOrAdd(_budgets.Count >= MaxTrackedAddresses ? SharedKey : key, static (_, state) => new Budget(state.burst, state.now), (burst, now: time.GetTimestamp()));
        }

        budget.Spend(ratePerSecond, burst, time);
    }

    private void Prune()
    {
        foreach (var (key, budget) in _budgets)
        {
            if (budget.IsFull(ratePerSecond, burst, time))
            {
                _budgets.TryRemove(key, out _);
            }
        }
    }

    private static string Key(IPAddress address, string text)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return text;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private sealed class Budget(double tokens, long stamp)
    {
        private readonly Lock _gate = new();
        private double _tokens = tokens;
        private long _stamp = stamp;
        private bool _announced;

        public bool IsSpent(double rate, int capacity, TimeProvider time, out bool firstRefusal)
        {
            lock (_gate)
            {
                Refill(rate, capacity, time);
                var spent = _tokens < 1;
                firstRefusal = spent && !_announced;
                _announced |= spent;
                return spent;
            }
        }

        public void Spend(double rate, int capacity, TimeProvider time)
        {
            lock (_gate)
            {
                Refill(rate, capacity, time);
                _tokens = Math.Max(0, _tokens - 1);
            }
        }

        public bool IsFull(double rate, int capacity, TimeProvider time)
        {
            lock (_gate)
            {
                Refill(rate, capacity, time);
                return _tokens >= capacity;
            }
        }

        private void Refill(double rate, int capacity, TimeProvider time)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(capacity, _tokens + (time.GetElapsedTime(_stamp, now).TotalSeconds * rate));
            _stamp = now;

            // An episode of refusals ends once the address has been quiet long enough to refill its whole budget.
            if (_tokens >= capacity)
            {
                _announced = false;
            }
        }
    }
}
