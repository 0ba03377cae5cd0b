using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam;

/// <summary>
/// The <c>List{Kind}…</c> actions that page through something a named user, group or role holds (its inline policy names,
/// its tags): read the name and the page, authorize on the principal, read the page in one unit of work, write it.
/// </summary>
/// <typeparam name="T">What is listed.</typeparam>
internal abstract class PrincipalListHandler<T>(PrincipalKind kind, IStateStore store) : IamActionHandler
{
    /// <summary>The kind of principal named by the request.</summary>
    protected PrincipalKind Kind => kind;

    public sealed override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind));
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var items = await store.ReadAsync((r, c) => ListAsync(r, context.Request.Caller.AccountId, name, page, c), ct);
        return new ActionOutcome(w =>
        {
            WriteItems(w, items.Items);
            IamXml.WritePaging(w, items);
        });
    }

    /// <summary>One page of what the principal <paramref name="name"/> holds; NoSuchEntity when it does not exist.</summary>
    protected abstract Task<Page<T>> ListAsync(IStateReader reader, string account, string name, PageRequest page, CancellationToken ct);

    /// <summary>Writes the page's items.</summary>
    protected abstract void WriteItems(QueryXmlWriter writer, IReadOnlyList<T> items);
}
