using System.Collections.Immutable;

namespace IamDb.Broker.State.Notifications;

/// <summary>A per-node cache that must forget what another node changed.</summary>
internal interface IStateChangeSubscriber
{
    /// <summary>The store announced <paramref name="change"/> (committed on some node, possibly this one).</summary>
    void OnChange(StateChange change);

    /// <summary>
    /// Announcements may be missed from now on (the listening connection is gone, or not yet open): forget everything and
    /// cache nothing until <see cref="OnResumed"/>.
    /// </summary>
    void OnSuspended();

    /// <summary>Listening again: forget everything (announcements made meanwhile were missed) and cache again.</summary>
    void OnResumed();
}

/// <summary>How far this node can trust its caches.</summary>
internal enum StateChangeFeedStatus
{
    /// <summary>The store is this node's alone (SQLite): every change is made here and invalidated where it is made.</summary>
    SingleNode,

    /// <summary>Listening to the shared store's announcements.</summary>
    Listening,

    /// <summary>Not listening (starting, or the connection was lost): caches are bypassed.</summary>
    Suspended,
}

/// <summary>
/// Hands the store's change announcements to this node's caches. A shared store starts <see cref="StateChangeFeedStatus.Suspended"/>
/// until its listener is connected, so no cache trusts itself before it can hear of changes.
/// </summary>
internal sealed class StateChangeFeed(bool shared)
{
    private readonly Lock _lock = new();
    private ImmutableArray<IStateChangeSubscriber> _subscribers = [];

    public StateChangeFeedStatus Status { get; private set; } = shared ? StateChangeFeedStatus.Suspended : StateChangeFeedStatus.SingleNode;

    /// <summary>Adds a subscriber, telling it at once when announcements cannot be heard yet.</summary>
    public void Subscribe(IStateChangeSubscriber subscriber)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Add(subscriber);
            if (Status == StateChangeFeedStatus.Suspended)
            {
                subscriber.OnSuspended();
            }
        }
    }

    public void Publish(StateChange change)
    {
        foreach (var subscriber in _subscribers)
        {
            subscriber.OnChange(change);
        }
    }

    /// <summary>The listener lost its connection.</summary>
    public void Suspend()
    {
        lock (_lock)
        {
            Status = StateChangeFeedStatus.Suspended;
            foreach (var subscriber in _subscribers)
            {
                subscriber.OnSuspended();
            }
        }
    }

    /// <summary>The listener is listening (again).</summary>
    public void Resume()
    {
        lock (_lock)
        {
            Status = StateChangeFeedStatus.Listening;
            foreach (var subscriber in _subscribers)
            {
                subscriber.OnResumed();
            }
        }
    }
}
