using System.Collections.Concurrent;

namespace IamDb.Policy.Compilation;

/// <summary>
/// Small integer ids for action service prefixes (<c>s3</c>, <c>redshift</c>), assigned when policies are compiled.
/// A request resolves its service once; every policy's statement index is then a plain array lookup.
/// Only compilation adds ids, so request traffic cannot grow the table.
/// </summary>
internal static class ServiceIds
{
    /// <summary>The id of a service no compiled policy names.</summary>
    public const int Unknown = -1;

    private static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Ids.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly Lock Gate = new();

    /// <summary>The id of <paramref name="service"/>, assigning the next one if it is new.</summary>
    public static int GetOrAdd(string service)
    {
        if (Ids.TryGetValue(service, out var id))
        {
            return id;
        }

        lock (Gate)
        {
            return Ids.GetOrAdd(service, Ids.Count);
        }
    }

    /// <summary>The id of <paramref name="service"/>, or <see cref="Unknown"/>; never allocates.</summary>
    public static int Find(ReadOnlySpan<char> service) => Lookup.TryGetValue(service, out var id) ? id : Unknown;
}
