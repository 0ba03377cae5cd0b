using System.Collections.Concurrent;

namespace IamDb.Aws.Signing;

/// <summary>
/// Derived signing keys per (access key, date, region, service, key stamp). Bounded: when full it is emptied and
/// refilled, which costs one key derivation per active key and keeps memory flat under a flood of made-up keys.
/// </summary>
internal sealed class SigningKeyCache(int capacity)
{
    private readonly ConcurrentDictionary<Entry, byte[]> _keys = new();

    public int Count => _keys.Count;

    public bool TryGet(string accessKeyId, int date, string region, string service, long stamp, out byte[] key) =>
        _keys.TryGetValue(new Entry(accessKeyId, date, region, service, stamp), out key!);

    public void Add(string accessKeyId, int date, string region, string service, long stamp, byte[] key)
    {
        if (_keys.Count >= capacity)
        {
            _keys.Clear();
        }

        _keys[new Entry(accessKeyId, date, region, service, stamp)] = key;
    }

    private readonly record struct Entry(string AccessKeyId, int Date, string Region, string Service, long Stamp);
}

/// <summary>
/// Returns one shared string per distinct value seen (up to a bound), so parsing the same access key, region and
/// service on every request does not allocate.
/// </summary>
internal sealed class BoundedStringPool(int capacity)
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<char> value)
    {
        var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out var existing))
        {
            return existing;
        }

        var created = value.ToString();
        if (_strings.Count < capacity)
        {
            _strings.TryAdd(created, created);
        }

        return created;
    }
}
