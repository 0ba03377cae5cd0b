using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Testing.Clocks;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each timer it creates, so a test can wait until the code under test
/// has started a wait (a retry backoff, say), check how long it is, and then advance past it: no real sleeping.
/// </summary>
public sealed class ObservedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _dueTimes = Channel.CreateUnbounded<TimeSpan>();

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>
    /// The due time of the next timer created (waiting at most <paramref name="timeout"/> of real time for it); a
    /// <see cref="TimeoutException"/> when none is, which means the code waited on another clock or not at all.
    /// </summary>
    public async Task<TimeSpan> NextTimerAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await _dueTimes.Reader.ReadAsync(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no timer was started on the fake clock within {timeout.TotalSeconds} s");
        }
    }
}
