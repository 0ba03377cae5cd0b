using IamDb.Broker.State.Sql;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IamDb.Broker.State.Notifications;

/// <summary>
/// Listens on the shared store's <c>iamdb_changes</c> channel (filled by triggers in the transactions that change keys,
/// users, sessions …) and hands each announcement to <see cref="StateChangeFeed"/>. Announcements sent while nobody
/// listens are lost, so a lost connection suspends the caches at once, and reconnecting (with backoff up to
/// <see cref="MaxBackoff"/>) flushes them: a missed announcement cannot keep a revoked key alive. An idle connection is
/// probed every <see cref="ProbeInterval"/> so a silently dead one is noticed.
/// </summary>
internal sealed partial class PostgresChangeListener(PostgresStateStore store, StateChangeFeed feed, TimeProvider time, ILogger<PostgresChangeListener> logger)
    : BackgroundService
{
    public const string Channel = "iamdb_changes";
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = FirstBackoff;
        var lost = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.OpenListenerConnectionAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Only now can nothing be missed: flush what may have changed unheard, then trust the caches again.
                feed.Resume();
                if (lost)
                {
                    LogResumed(logger);
                    lost = false;
                }

                backoff = FirstBackoff;
                while (true)
                {
                    if (!await connection.WaitAsync(ProbeInterval, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = (int)ProbeInterval.TotalSeconds };
                        await probe.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                feed.Suspend();
                if (!lost)
                {
                    LogLost(logger, ex.GetType().Name, ex.Message);
                    lost = true;
                }
            }

            try
            {
                await Task.Delay(backoff, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == Channel && StateChange.TryParse(e.Payload, out var change))
        {
            feed.Publish(change);
        }
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning,
        Message = "Lost the store's change announcements ({Error}: {Message}); caches are bypassed until the listener reconnects")]
    private static partial void LogLost(ILogger logger, string error, string message);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "Listening to the store's change announcements again; caches were flushed")]
    private static partial void LogResumed(ILogger logger);
}
