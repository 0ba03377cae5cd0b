using System.Collections.Concurrent;
using IamDb.Broker.Telemetry;

namespace IamDb.Broker.Throttling;

/// <summary>
/// Token buckets per (account, action): each holds up to <c>burst</c> tokens and refills at <c>rate</c> per second.
/// A request takes one token or is throttled (AWS's Query services answer <c>Throttling</c>, "Rate exceeded", 400).
/// </summary>
internal sealed class TokenBucketThrottle(double ratePerSecond, int burst, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Account, string Action), Bucket> _buckets = new();

    public bool TryAcquire(string account, string action)
    {
        var bucket = _buckets.GetOrAdd((account, action), static (_, state) => new Bucket(state.burst, state.now), (burst, now: time.GetTimestamp()));
        if (bucket.TryTake(ratePerSecond, burst, time))
        {
            return true;
        }

        BrokerMetrics.RequestThrottled("rate");
        return false;
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        private readonly Lock _gate = new();
        private double _tokens = tokens;
        private long _stamp = stamp;

        public bool TryTake(double rate, int capacity, TimeProvider time)
        {
            lock (_gate)
            {
                var now = time.GetTimestamp();
                var elapsed = time.GetElapsedTime(_stamp, now).TotalSeconds;
                _stamp = now;
                _tokens = Math.Min(capacity, _tokens + (elapsed * rate));
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }
    }
}
