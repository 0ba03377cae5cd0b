namespace IamDb.Policy.Compilation;

/// <summary>
/// Statements of one effect grouped by the action service prefixes they can match, so a request for
/// <c>redshift:…</c> never looks at <c>s3:…</c> statements. Each bucket keeps document order and includes the
/// statements that can match any service.
/// </summary>
internal sealed class StatementIndex
{
    private readonly Dictionary<string, CompiledStatement[]>.AlternateLookup<ReadOnlySpan<char>> _byService;
    private readonly CompiledStatement[] _anyService;

    public StatementIndex(IReadOnlyList<CompiledStatement> statements)
    {
        All = [.. statements];
        _anyService = [.. statements.Where(s => s.Action.Services is null)];
        var services = statements.Where(s => s.Action.Services is not null).SelectMany(s => s.Action.Services!)
            .Distinct(StringComparer.OrdinalIgnoreCase);
        var byService = new Dictionary<string, CompiledStatement[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in services)
        {
            byService[service] = [.. statements.Where(s => s.Action.Services is null || s.Action.Services.Contains(service))];
        }

        _byService = byService.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every statement, in document order.</summary>
    public CompiledStatement[] All { get; }

    /// <summary>The statements that can match an action of <paramref name="service"/>.</summary>
    public CompiledStatement[] For(ReadOnlySpan<char> service) =>
        _byService.TryGetValue(service, out var bucket) ? bucket : _anyService;
}
