using System.Collections;
using System.Diagnostics.CodeAnalysis;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Query;

/// <summary>
/// The decoded parameters of one Query-protocol request, in wire order. Keys are case-sensitive (as AWS treats
/// them) and may repeat; <see cref="Get"/> returns the first occurrence.
/// </summary>
internal sealed class QueryParameters : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _items;
    private readonly Dictionary<string, int> _firstIndex;

    /// <summary>An empty parameter set.</summary>
    public static QueryParameters Empty { get; } = new([]);

    internal QueryParameters(List<KeyValuePair<string, string>> items)
    {
        _items = items;
        _firstIndex = new Dictionary<string, int>(items.Count, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            _firstIndex.TryAdd(items[i].Key, i);
        }
    }

    /// <summary>Builds a parameter set from already decoded pairs (tests, the client, internal re-dispatch).</summary>
    public static QueryParameters From(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return new QueryParameters([.. pairs]);
    }

    /// <summary>The number of parameters, repeats included.</summary>
    public int Count => _items.Count;

    /// <summary>The parameter at <paramref name="index"/> in wire order.</summary>
    public KeyValuePair<string, string> this[int index] => _items[index];

    /// <summary>True when <paramref name="key"/> occurs at least once.</summary>
    public bool Contains(string key) => _firstIndex.ContainsKey(key);

    /// <summary>The value of the first occurrence of <paramref name="key"/>, or null when it is absent.</summary>
    public string? Get(string key) => _firstIndex.TryGetValue(key, out var i) ? _items[i].Value : null;

    /// <summary>Every value of <paramref name="key"/>, in wire order.</summary>
    public IReadOnlyList<string> GetAll(string key)
    {
        if (!_firstIndex.TryGetValue(key, out var first))
        {
            return [];
        }

        var values = new List<string>(1);
        for (var i = first; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, key, StringComparison.Ordinal))
            {
                values.Add(_items[i].Value);
            }
        }

        return values;
    }

    /// <summary>The <c>Action</c> parameter, or null.</summary>
    public string? Action => Get("Action");

    /// <summary>The <c>Version</c> parameter, or null.</summary>
    public string? Version => Get("Version");

    /// <summary>
    /// Gets the non-empty <c>Action</c>; otherwise <c>MissingAction</c> (400). Whether the action exists is the
    /// router's question (<see cref="QueryErrors.InvalidAction"/>).
    /// </summary>
    public bool TryGetAction([NotNullWhen(true)] out string? action, [NotNullWhen(false)] out AwsError? error)
    {
        action = Action;
        if (string.IsNullOrEmpty(action))
        {
            action = null;
            error = QueryErrors.MissingAction();
            return false;
        }

        error = null;
        return true;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
