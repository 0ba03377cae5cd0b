using IamDb.Broker.State.Notifications;

namespace IamDb.Broker.Pipeline;

/// <summary>
/// Keeps the access-key cache (<see cref="StoreSigningSecretSource"/>) true to the shared store: a key deactivated or
/// deleted, a session deleted, or a user renamed or deleted on any node is forgotten here as soon as it is announced.
/// </summary>
internal sealed class SigningSecretInvalidation(StoreSigningSecretSource cache) : IStateChangeSubscriber
{
    public void OnChange(StateChange change)
    {
        switch (change.Kind)
        {
            case StateChangeKind.AccessKey or StateChangeKind.Session:
                cache.Invalidate(change.Id);
                break;
            case StateChangeKind.User:
                cache.InvalidateUser(change.Id);
                break;
        }
    }

    public void OnSuspended() => cache.Suspend();

    public void OnResumed() => cache.Resume();
}
