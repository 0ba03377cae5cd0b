namespace IamDb.Broker.State.Sql;

/// <summary>
/// The wait before a write that lost a serialization race runs again: a random 1 ms up to a cap that doubles per
/// attempt (20, 40 … 320 ms), so writers that collided do not collide again in step. The clock and the randomness are
/// injected so tests can drive a retry without sleeping.
/// </summary>
internal sealed class WriteRetryBackoff(TimeProvider time, Random random)
{
    /// <summary>The wait before attempt <paramref name="failedAttempt"/> + 1.</summary>
    public TimeSpan DelayAfter(int failedAttempt) =>
#pragma warning disable CA5394 // Jitter needs spread, not unpredictability.
        TimeSpan.FromMilliseconds(random.Next(1, 10 << Math.Min(failedAttempt, 5)));
#pragma warning restore CA5394

    /// <summary>Waits <see cref="DelayAfter"/> on the injected clock.</summary>
    public Task WaitAsync(int failedAttempt, CancellationToken cancellationToken) =>
        Task.Delay(DelayAfter(failedAttempt), time, cancellationToken);
}
