using System.Net;

namespace IamDb.Broker.Throttling;

/// <summary>
/// A budget of unsigned token-bearing calls (<c>AssumeRoleWithWebIdentity</c>, <c>AssumeRoleWithSAML</c>) per client
/// address: nobody signed them, so there is no account to throttle by. Every such call spends one unit, before its
/// parameters are decoded or the store is read; once the address has spent <c>burst</c> calls faster than <c>rate</c> per
/// second they are answered <c>Throttling</c>. It is the per-address budget of <see cref="FailedAuthenticationThrottle"/>
/// (bounded number of tracked addresses, IPv6 per /64), spent by every call instead of by failures only.
/// </summary>
internal sealed class TokenBearerThrottle(double ratePerSecond, int burst, TimeProvider time)
{
    private readonly FailedAuthenticationThrottle _budget = new(ratePerSecond, burst, time);

    /// <summary>
    /// Spends one call of <paramref name="address"/>'s budget; false when it is spent. <paramref name="firstRefusal"/> is
    /// true for the first refusal of an episode (the one that is audited).
    /// </summary>
    public bool TryAcquire(IPAddress address, string text, out bool firstRefusal)
    {
        if (_budget.IsThrottled(address, text, out firstRefusal))
        {
            return false;
        }

        _budget.RecordFailure(address, text);
        return true;
    }
}
