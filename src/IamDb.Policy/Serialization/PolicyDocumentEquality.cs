using IamDb.Policy.Model;

namespace IamDb.Policy.Serialization;

/// <summary>
/// Structural equality for <see cref="PolicyDocument"/>: the records hold lists, whose default equality is by
/// reference, so this compares element by element (order matters everywhere, strings are ordinal).
/// </summary>
internal sealed class PolicyDocumentEquality : IEqualityComparer<PolicyDocument>
{
    public static PolicyDocumentEquality Instance { get; } = new();

    public bool Equals(PolicyDocument? x, PolicyDocument? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null
            && Same(x.Version, y.Version) && Same(x.Id, y.Id)
            && SameList(x.Statements, y.Statements, StatementEquals));

    public int GetHashCode(PolicyDocument obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return HashCode.Combine(obj.Version, obj.Id, obj.Statements.Count);
    }

    /// <summary>Explains the first difference, for test failure messages; null when equal.</summary>
    public static string? Describe(PolicyDocument x, PolicyDocument y)
    {
        if (!Same(x.Version, y.Version) || !Same(x.Id, y.Id))
        {
            return "Version or Id differ";
        }

        if (x.Statements.Count != y.Statements.Count)
        {
            return $"statement count {x.Statements.Count} != {y.Statements.Count}";
        }

        for (var i = 0; i < x.Statements.Count; i++)
        {
            if (!StatementEquals(x.Statements[i], y.Statements[i]))
            {
                return $"Statement[{i}] differs";
            }
        }

        return null;
    }

    private static bool StatementEquals(PolicyStatement a, PolicyStatement b) =>
        Same(a.Sid, b.Sid) && a.Effect == b.Effect
        && a.Action.IsNot == b.Action.IsNot && SameStrings(a.Action.Values, b.Action.Values)
        && ResourceEquals(a.Resource, b.Resource)
        && PrincipalEquals(a.Principal, b.Principal)
        && SameList(a.Conditions, b.Conditions, (p, q) => Same(p.Operator, q.Operator) && Same(p.Key, q.Key) && SameStrings(p.Values, q.Values));

    private static bool ResourceEquals(ResourceElement? a, ResourceElement? b) =>
        a is null ? b is null : b is not null && a.IsNot == b.IsNot && SameStrings(a.Values, b.Values);

    private static bool PrincipalEquals(PrincipalElement? a, PrincipalElement? b) =>
        a is null ? b is null : b is not null && a.IsNot == b.IsNot && a.IsWildcard == b.IsWildcard
            && SameList(a.Values, b.Values, (p, q) => Same(p.Key, q.Key) && SameStrings(p.Value, q.Value));

    private static bool SameStrings(IReadOnlyList<string> a, IReadOnlyList<string> b) => SameList(a, b, Same);

    private static bool SameList<T>(IReadOnlyList<T> a, IReadOnlyList<T> b, Func<T, T, bool> equal)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!equal(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.Ordinal);
}
