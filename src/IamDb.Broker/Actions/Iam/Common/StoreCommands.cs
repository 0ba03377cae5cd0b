using IamDb.Broker.State;

namespace IamDb.Broker.Actions.Iam;

/// <summary>Write units of work without a result (the store's generic WriteAsync cannot infer one from a void lambda).</summary>
internal static class StoreCommands
{
    public static Task ExecuteAsync(this IStateStore store, Func<IStateWriter, CancellationToken, Task> work, CancellationToken ct) =>
        store.WriteAsync(work, ct);
}
