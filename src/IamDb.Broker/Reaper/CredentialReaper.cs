using IamDb.Broker.State;
using IamDb.Broker.State.Redshift;
using IamDb.Broker.Telemetry;
using IamDb.Postgres.Credentials;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Reaper;

/// <summary>The reaper's options, from the broker's.</summary>
/// <param name="Enabled">False to never run a pass on a timer (tests and read-only nodes run none).</param>
/// <param name="Interval">The time between passes.</param>
/// <param name="MaxSessionAge">How long sessions of an expired credential's role may stay open before they are ended; null: until they end.</param>
/// <param name="AccountId">The account whose clusters are visited.</param>
internal sealed record ReaperSettings(bool Enabled, TimeSpan Interval, TimeSpan? MaxSessionAge, string AccountId);

/// <summary>What one reaper pass did, summed over every cluster.</summary>
internal sealed record ReaperPass
{
    /// <summary>Login roles dropped.</summary>
    public int Dropped { get; set; }

    /// <summary>Dropped roles the store did not know (found by their marker only).</summary>
    public int DroppedUnrecorded { get; set; }

    /// <summary>Expired roles left alone because sessions still use them.</summary>
    public int Waiting { get; set; }

    /// <summary>Credentials marked reaped in the store.</summary>
    public int Marked { get; set; }

    /// <summary>Clusters that could not be visited (unreachable, admin refused …).</summary>
    public int FailedClusters { get; set; }
}

/// <summary>
/// The reaper: a hosted service that every <see cref="ReaperSettings.Interval"/> (read from the broker's
/// <see cref="TimeProvider"/>) visits each registered cluster and drops the login roles of expired or revoked
/// credentials. A role with open sessions is left until they end — expiry is checked at login only, as Redshift does —
/// unless <see cref="ReaperSettings.MaxSessionAge"/> has passed since the oldest began (or the credential was revoked):
/// then its sessions are terminated first. Roles are found on the cluster by IamDb's marker, so roles the store lost are
/// reaped too, and nothing without the marker is touched. Every step is idempotent; a pass resumes whatever an earlier
/// one (or an earlier process) left, and one failing cluster does not stop the others. Of several nodes on one store,
/// only the holder of the <see cref="ReaperLease"/> reaps; the others stand by and take over when it stops renewing.
/// </summary>
internal sealed partial class CredentialReaper(
    ReaperSettings settings, IStateStore store, IStoreCoordination coordination, TimeProvider time, IClusterAdministration clusters, ILogger<CredentialReaper> logger)
    : BackgroundService
{
    private const int MaxStoreCandidates = 10_000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ReaperLease _lease = new(coordination, time, ReaperLease.NewHolderName());

    /// <summary>This node's part: <c>active</c> (holds the lease), <c>standby</c>, or <c>disabled</c>.</summary>
    public string Role => !settings.Enabled ? "disabled" : _lease.Held ? "active" : "standby";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
        {
            return;
        }

        long? lastPass = null;
        var wait = settings.Interval < ReaperLease.RenewEvery ? settings.Interval : ReaperLease.RenewEvery;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var wasHeld = _lease.Held;
                    if (await _lease.TryHoldAsync(stoppingToken))
                    {
                        if (!wasHeld)
                        {
                            LogLeaseTaken(logger, _lease.Holder);
                        }

                        if (lastPass is not { } last || time.GetElapsedTime(last) >= settings.Interval)
                        {
                            lastPass = time.GetTimestamp();
                            await RunHoldingLeaseAsync(stoppingToken);
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    LogPassFailed(logger, ex.GetType().Name, ex.Message);
                }

                try
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            // A graceful stop hands the duty over at once instead of after the lease expires.
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _lease.ReleaseAsync(timeout.Token);
            }
            catch (Exception ex)
            {
                LogPassFailed(logger, ex.GetType().Name, ex.Message);
                BrokerMetrics.ReapFailed("pass");
            }
        }
    }

    // One pass, renewing the lease meanwhile: a long pass must not let another node start a second one.
    private async Task RunHoldingLeaseAsync(CancellationToken stoppingToken)
    {
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = RenewAsync(renewal.Token);
        try
        {
            var pass = await RunOnceAsync(stoppingToken);
            if (pass.Dropped > 0 || pass.FailedClusters > 0)
            {
                LogPass(logger, pass.Dropped, pass.DroppedUnrecorded, pass.Waiting, pass.FailedClusters);
            }
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
        }
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ReaperLease.RenewEvery, time, ct);
                await _lease.TryHoldAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogPassFailed(logger, ex.GetType().Name, ex.Message);
        }
    }

    /// <summary>One pass over every cluster; passes never overlap.</summary>
    public async Task<ReaperPass> RunOnceAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var now = time.GetUtcNow();
            var pass = new ReaperPass();
            var (registered, candidates) = await store.ReadAsync(
                async (r, c) =>
                {
                    var all = await Pages.ReadAllAsync(p => r.Clusters.ListAsync(settings.AccountId, p, c));
                    var reapable = await r.Credentials.ListReapableAsync(now, MaxStoreCandidates, c);
                    return (all, reapable);
                },
                ct);
            var byCluster = candidates.ToLookup(c => c.ClusterIdentifier, StringComparer.OrdinalIgnoreCase);
            foreach (var cluster in registered)
            {
                try
                {
                    await ReapClusterAsync(cluster, [.. byCluster[cluster.ClusterIdentifier]], now, pass, ct);
                }
                catch (ClusterOperationException ex)
                {
                    pass.FailedClusters++;
                    LogClusterFailed(logger, cluster.ClusterIdentifier, ex.Failure, ex.Message);
                    BrokerMetrics.ReapFailed("cluster", cluster.ClusterIdentifier);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    pass.FailedClusters++;
                    LogClusterFailed(logger, cluster.ClusterIdentifier, ClusterFailure.ServerError, ex.GetType().Name);
                    BrokerMetrics.ReapFailed("cluster", cluster.ClusterIdentifier);
                }
            }

            // Credentials of clusters that were deregistered have nothing left to drop here.
            var known = registered.Select(c => c.ClusterIdentifier).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var orphans = candidates.Where(c => !known.Contains(c.ClusterIdentifier)).ToList();
            if (orphans.Count > 0)
            {
                pass.Marked += await MarkReapedAsync(orphans, now, ct);
            }

            return pass;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReapClusterAsync(RedshiftCluster cluster, List<IssuedCredential> recorded, DateTimeOffset now, ReaperPass pass, CancellationToken ct)
    {
        var endpoint = cluster.Endpoint();
        var roles = await clusters.ListManagedRolesAsync(endpoint, ct);
        var revoked = recorded.Where(c => c.RevokedAt is not null).Select(c => c.LoginRoleName).ToHashSet(StringComparer.Ordinal);
        var known = recorded.Select(c => c.LoginRoleName).ToHashSet(StringComparer.Ordinal);
        var remaining = roles.Select(r => r.LoginRoleName).ToHashSet(StringComparer.Ordinal);
        var maxAge = settings.MaxSessionAge;
        foreach (var role in roles)
        {
            var isRevoked = revoked.Contains(role.LoginRoleName);
            if (role.ExpiresAt > now && !isRevoked)
            {
                continue;
            }

            var tooOld = maxAge is { } age && role.OldestSessionStart is { } started && now - started >= age;
            var terminate = isRevoked || tooOld;
            if (role.ActiveSessions > 0 && !terminate)
            {
                pass.Waiting++;
                continue;
            }

            bool dropped;
            try
            {
                dropped = await clusters.DropLoginRoleAsync(endpoint, role.LoginRoleName, terminate, ct);
            }
            catch (ClusterOperationException ex) when (ex.Failure is not (ClusterFailure.Unreachable or ClusterFailure.AdminLoginRefused))
            {
                LogRoleFailed(logger, role.LoginRoleName, cluster.ClusterIdentifier, ex.Failure, ex.Message);
                BrokerMetrics.ReapFailed("role", cluster.ClusterIdentifier);
                continue;
            }

            if (!dropped)
            {
                pass.Waiting++; // a session started meanwhile
                continue;
            }

            remaining.Remove(role.LoginRoleName);
            pass.Dropped++;
            BrokerMetrics.RoleReaped(cluster.ClusterIdentifier);
            if (!known.Contains(role.LoginRoleName))
            {
                pass.DroppedUnrecorded++;
            }

            LogDropped(logger, role.LoginRoleName, cluster.ClusterIdentifier, terminate);
        }

        // A recorded credential whose role is no longer on the cluster (dropped now, earlier, or by hand) is reaped.
        var gone = recorded.Where(c => !remaining.Contains(c.LoginRoleName)).ToList();
        if (gone.Count > 0)
        {
            pass.Marked += await MarkReapedAsync(gone, now, ct);
        }
    }

    private async Task<int> MarkReapedAsync(List<IssuedCredential> credentials, DateTimeOffset now, CancellationToken ct) =>
        await store.WriteAsync(
            async (w, c) =>
            {
                var marked = 0;
                foreach (var credential in credentials)
                {
                    marked += await w.Credentials.MarkReapedAsync(credential.RequestId, now, c) ? 1 : 0;
                }

                return marked;
            },
            ct);

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information,
        Message = "Reaper dropped {Dropped} login roles ({Unrecorded} unknown to the store); {Waiting} wait for sessions; {Failed} clusters failed")]
    private static partial void LogPass(ILogger logger, int dropped, int unrecorded, int waiting, int failed);

    [LoggerMessage(EventId = 5206, Level = LogLevel.Information, Message = "This node reaps now (it took the reaper lease as {Holder})")]
    private static partial void LogLeaseTaken(ILogger logger, string holder);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Reaper pass failed: {Error}: {Message}")]
    private static partial void LogPassFailed(ILogger logger, string error, string message);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "Reaper could not visit cluster {Cluster} ({Failure}): {Message}")]
    private static partial void LogClusterFailed(ILogger logger, string cluster, ClusterFailure failure, string message);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Warning, Message = "Reaper could not drop {LoginRole} on cluster {Cluster} ({Failure}): {Message}")]
    private static partial void LogRoleFailed(ILogger logger, string loginRole, string cluster, ClusterFailure failure, string message);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Debug, Message = "Reaper dropped {LoginRole} on cluster {Cluster} (sessions terminated: {Terminated})")]
    private static partial void LogDropped(ILogger logger, string loginRole, string cluster, bool terminated);
}
