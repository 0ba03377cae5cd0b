using System.Globalization;

namespace IamDb.Aws.Query;

/// <summary>List parameters in the Query protocol's flattened form.</summary>
/// <remarks>
/// A list <c>Name</c> whose items are named <c>member</c> arrives as <c>Name.member.1</c>, <c>Name.member.2</c>, … (IAM,
/// STS); Redshift names items after the model's <c>locationName</c> (<c>DbGroups.DbGroup.1</c>); structure items add
/// <c>.Field</c> (<c>Tags.member.1.Key</c>). botocore sends an empty list as <c>Name=</c>, so:
/// absent ⇒ null, <c>Name=</c> alone ⇒ empty list, items ⇒ the items. Indices are 1-based decimal without leading
/// zeros; items are ordered by index and gaps are closed (<c>.1</c>, <c>.3</c> ⇒ two items); a repeated index keeps
/// its first occurrence; a malformed index (<c>0</c>, <c>01</c>, <c>x</c>) and <c>Name=value</c> with a non-empty
/// value are recorded as problems.
/// </remarks>
internal sealed partial class QueryParameterReader
{
    /// <summary>The item name IAM and STS lists use.</summary>
    public const string DefaultMemberName = "member";

    /// <summary>Reads an optional list of strings; null when absent, empty for <c>Name=</c>.</summary>
    /// <param name="name">The list parameter, e.g. <c>DbGroups</c>.</param>
    /// <param name="memberName">The item name: <c>member</c>, or Redshift's <c>locationName</c> such as <c>DbGroup</c>.</param>
    /// <param name="itemConstraints">Constraints each item must meet, or null.</param>
    /// <param name="minItems">The fewest items allowed when the list is present.</param>
    /// <param name="maxItems">The most items allowed.</param>
    public IReadOnlyList<string>? OptionalStringList(
        string name,
        string memberName = DefaultMemberName,
        StringConstraints? itemConstraints = null,
        int minItems = 0,
        int maxItems = int.MaxValue)
    {
        var items = ScanItems(name, memberName, structItems: false, out var present);
        if (!present)
        {
            return null;
        }

        var values = new List<string>(items.Count);
        foreach (var (index, position) in items)
        {
            var value = _parameters[position].Value;
            Check(
                $"{_wirePrefix}{name}.{memberName}.{index.ToString(CultureInfo.InvariantCulture)}",
                $"{MemberPath(name)}.{index.ToString(CultureInfo.InvariantCulture)}.member",
                value,
                itemConstraints);
            values.Add(value);
        }

        CheckCount(name, values.Count, minItems, maxItems, itemConstraints?.Sensitive != true ? values : null);
        return values;
    }

    /// <summary>Reads a required list of strings; records "missing" and returns an empty list when absent.</summary>
    /// <inheritdoc cref="OptionalStringList" path="/param"/>
    public IReadOnlyList<string> RequiredStringList(
        string name,
        string memberName = DefaultMemberName,
        StringConstraints? itemConstraints = null,
        int minItems = 0,
        int maxItems = int.MaxValue)
    {
        var list = OptionalStringList(name, memberName, itemConstraints, minItems, maxItems);
        if (list is null)
        {
            ReportMissing(name, sensitive: false);
            return [];
        }

        return list;
    }

    /// <summary>
    /// Reads an optional list of structures such as <c>Tags.member.N.Key</c>/<c>.Value</c>: null when absent, empty for
    /// <c>Name=</c>. <paramref name="readItem"/> gets a reader scoped to one item (<c>item.RequiredString("Key")</c>
    /// reads <c>Tags.member.N.Key</c>) that shares this reader's problems; nested lists work the same way.
    /// </summary>
    /// <param name="name">The list parameter, e.g. <c>Tags</c>.</param>
    /// <param name="readItem">Builds one item from its scoped reader.</param>
    /// <param name="memberName">The item name: <c>member</c>, or Redshift's <c>locationName</c> such as <c>Tag</c>.</param>
    /// <param name="minItems">The fewest items allowed when the list is present.</param>
    /// <param name="maxItems">The most items allowed.</param>
    public IReadOnlyList<T>? OptionalStructList<T>(
        string name,
        Func<QueryParameterReader, T> readItem,
        string memberName = DefaultMemberName,
        int minItems = 0,
        int maxItems = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(readItem);
        var items = ScanItems(name, memberName, structItems: true, out var present);
        if (!present)
        {
            return null;
        }

        var values = new List<T>(items.Count);
        foreach (var (index, _) in items)
        {
            var i = index.ToString(CultureInfo.InvariantCulture);
            var itemReader = new QueryParameterReader(
                _parameters, Style, _problems, $"{_wirePrefix}{name}.{memberName}.{i}.", $"{MemberPath(name)}.{i}.member.");
            values.Add(readItem(itemReader));
        }

        CheckCount(name, values.Count, minItems, maxItems, shown: null);
        return values;
    }

    /// <summary>Reads a required list of structures; records "missing" and returns an empty list when absent.</summary>
    /// <inheritdoc cref="OptionalStructList" path="/param"/>
    public IReadOnlyList<T> RequiredStructList<T>(
        string name,
        Func<QueryParameterReader, T> readItem,
        string memberName = DefaultMemberName,
        int minItems = 0,
        int maxItems = int.MaxValue)
    {
        var list = OptionalStructList(name, readItem, memberName, minItems, maxItems);
        if (list is null)
        {
            ReportMissing(name, sensitive: false);
            return [];
        }

        return list;
    }

    private void CheckCount(string name, int count, int minItems, int maxItems, IReadOnlyList<string>? shown)
    {
        if (count >= minItems && count <= maxItems)
        {
            return;
        }

        // Coral shows a list value as [a, b]; structure lists are not echoed.
        var value = shown is null ? null : $"[{string.Join(", ", shown)}]";
        var constraint = count < minItems
            ? $"Member must have length greater than or equal to {minItems}"
            : $"Member must have length less than or equal to {maxItems}";
        Report(_wirePrefix + name, MemberPath(name), value, constraint, sensitive: shown is null);
    }

    /// <summary>
    /// Finds the items of list <paramref name="name"/>: (index, position of the first parameter naming it), ordered by
    /// index. <paramref name="present"/> is true when the list or any item was sent.
    /// </summary>
    private List<(int Index, int Position)> ScanItems(string name, string memberName, bool structItems, out bool present)
    {
        var listKey = _wirePrefix + name;
        var itemPrefix = $"{listKey}.{memberName}.";
        var marker = _parameters.Get(listKey);
        present = marker is not null;
        if (!string.IsNullOrEmpty(marker))
        {
            Report(listKey, MemberPath(name), marker, $"Member must be a list, sent as {name}.{memberName}.N");
        }

        var found = new SortedDictionary<int, int>();
        for (var position = 0; position < _parameters.Count; position++)
        {
            var key = _parameters[position].Key;
            if (!key.StartsWith(itemPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            present = true;
            var rest = key.AsSpan(itemPrefix.Length);
            var dot = rest.IndexOf('.');
            var indexText = structItems && dot >= 0 ? rest[..dot] : rest;
            var wellFormed = structItems ? dot > 0 && dot < rest.Length - 1 : dot < 0;
            if (!wellFormed || !TryParseIndex(indexText, out var index))
            {
                Report(key, $"{MemberPath(name)}.{rest}", _parameters[position].Value, "Member must be a list item with an index from 1");
                continue;
            }

            found.TryAdd(index, position);
        }

        var items = new List<(int, int)>(found.Count);
        foreach (var (index, position) in found)
        {
            items.Add((index, position));
        }

        return items;
    }

    private static bool TryParseIndex(ReadOnlySpan<char> text, out int index)
    {
        index = 0;
        if (text.IsEmpty || text.Length > 9 || text[0] == '0')
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            index = (index * 10) + (c - '0');
        }

        return true;
    }
}
