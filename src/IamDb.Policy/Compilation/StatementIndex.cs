namespace IamDb.Policy.Compilation;

/// <summary>
/// Statements of one effect grouped by the action service prefixes they can match, so a request for
/// <c>redshift:…</c> never looks at <c>s3:…</c> statements. Each bucket keeps document order and includes the
/// statements that can match any service. Buckets are indexed by <see cref="ServiceIds"/>.
/// </summary>
internal sealed class StatementIndex
{
    private readonly CompiledStatement[]?[] _byService;
    private readonly CompiledStatement[] _anyService;

    public StatementIndex(IReadOnlyList<CompiledStatement> statements)
    {
        All = [.. statements];
        _anyService = [.. statements.Where(s => s.Action.Services is null)];
        var ids = statements.Where(s => s.Action.Services is not null).SelectMany(s => s.Action.Services!)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(service => (Service: service, Id: ServiceIds.GetOrAdd(service)))
            .ToList();
        _byService = new CompiledStatement[]?[ids.Count == 0 ? 0 : ids.Max(x => x.Id) + 1];
        foreach (var (service, id) in ids)
        {
            _byService[id] = [.. statements.Where(s => s.Action.Services is null || s.Action.Services.Contains(service))];
        }
    }

    /// <summary>Every statement, in document order.</summary>
    public CompiledStatement[] All { get; }

    /// <summary>The statements that can match an action of the service with id <paramref name="serviceId"/>.</summary>
    public CompiledStatement[] For(int serviceId) =>
        (uint)serviceId < (uint)_byService.Length && _byService[serviceId] is { } bucket ? bucket : _anyService;
}
