using IamDb.Aws.Query;
using IamDb.Broker.State;

namespace IamDb.Broker.Actions.Iam;

/// <summary>
/// <c>ListUsers</c>, <c>ListGroups</c> and <c>ListRoles</c>: the account's entities of one kind under <c>PathPrefix</c>,
/// paged, authorized on the kind's ARN with that prefix. Each subclass names the kind, the store list and the XML.
/// </summary>
/// <typeparam name="T">The entity listed.</typeparam>
internal abstract class PathListHandler<T>(IStateStore store) : IamActionHandler
{
    /// <summary>The ARN resource type (<c>user</c>, <c>group</c>, <c>role</c>).</summary>
    protected abstract string ResourceType { get; }

    /// <summary>The result's list element (<c>Users</c>, <c>Groups</c>, <c>Roles</c>).</summary>
    protected abstract string ListElement { get; }

    public sealed override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var prefix = reader.OptionalString("PathPrefix", IamParameters.PathPrefix);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, IamEntities.ListResource(context, ResourceType, prefix), ct: ct);
        var items = await store.ReadAsync((r, c) => ListAsync(r, context.Request.Caller.AccountId, prefix, page, c), ct);
        return new ActionOutcome(w =>
        {
            w.WriteList(ListElement, items.Items, Write);
            IamXml.WritePaging(w, items);
        });
    }

    /// <summary>One page of the account's entities under <paramref name="prefix"/>.</summary>
    protected abstract Task<Page<T>> ListAsync(IStateReader reader, string account, string? prefix, PageRequest page, CancellationToken ct);

    /// <summary>Writes one listed entity.</summary>
    protected abstract void Write(QueryXmlWriter writer, T item);
}
