using System.Globalization;
using System.Security.Cryptography;
using IamDb.Broker.State;

namespace IamDb.Broker.Reaper;

/// <summary>
/// The store lease that lets one node of several reap at a time. The holder renews it every <see cref="RenewEvery"/>;
/// it lasts <see cref="Duration"/>, so when its holder dies another node takes over within
/// <see cref="Duration"/> + <see cref="RenewEvery"/> (40 s). Times come from the node's <see cref="TimeProvider"/>:
/// nodes' clocks must agree to within a few seconds (NTP), as they must for SigV4 anyway.
/// </summary>
internal sealed class ReaperLease(IStoreCoordination store, TimeProvider time, string holder)
{
    public const string Name = "reaper";
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    /// <summary>This node's name in the lease: host, process id and a random part (two processes never share one).</summary>
    public string Holder { get; } = holder;

    /// <summary>Whether the last attempt took or renewed the lease.</summary>
    public bool Held { get; private set; }

    /// <summary>A holder name for this process.</summary>
    public static string NewHolderName() =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");

    /// <summary>Takes or renews the lease; false while another node holds it.</summary>
    public async Task<bool> TryHoldAsync(CancellationToken cancellationToken)
    {
        try
        {
            Held = await store.TryAcquireLeaseAsync(Name, Holder, time.GetUtcNow(), Duration, cancellationToken);
        }
        catch
        {
            Held = false;
            throw;
        }

        return Held;
    }

    /// <summary>Gives the lease up so another node need not wait for it to expire (a graceful stop).</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (Held)
        {
            Held = false;
            await store.ReleaseLeaseAsync(Name, Holder, cancellationToken);
        }
    }
}
