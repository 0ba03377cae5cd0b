using System.Net;
using IamDb.Policy.Compilation;

namespace IamDb.Policy.Evaluation;

/// <summary>
/// The condition keys of one request: the request-derived standard keys (<c>aws:CurrentTime</c>, <c>aws:EpochTime</c>,
/// <c>aws:SourceIp</c>, <c>aws:SecureTransport</c>, <c>aws:RequestedRegion</c>) plus any service keys
/// (<c>redshift:DbUser</c>, …). Principal keys come from <see cref="PrincipalInfo"/>. Key lookup is case-insensitive.
/// A context can be <see cref="Reset"/> and reused; evaluation reads it without allocating. Not thread-safe.
/// </summary>
public sealed class RequestContext
{
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, ContextEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ContextEntry _currentTime = new();
    private readonly ContextEntry _epochTime = new();
    private readonly ContextEntry _sourceIp = new();
    private readonly ContextEntry _secureTransport = new();
    private readonly ContextEntry _requestedRegion = new();
    private DateTimeOffset _now;
    private IPAddress? _sourceIpAddress;
    private bool? _secure;
    private string? _region;
    private uint _overrides;

    /// <summary>Creates a context whose <see cref="CurrentTime"/> is read from <paramref name="timeProvider"/>
    /// (the system clock when null).</summary>
    public RequestContext(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        CurrentTime = _timeProvider.GetUtcNow();
    }

    /// <summary>The request time: <c>aws:CurrentTime</c> and <c>aws:EpochTime</c>.</summary>
    public DateTimeOffset CurrentTime
    {
        get => _now;
        set
        {
            _now = value.ToUniversalTime();
            _currentTime.SetDate(_now);
            _epochTime.SetNumber(_now.ToUnixTimeSeconds());
        }
    }

    /// <summary>The caller's address: <c>aws:SourceIp</c>; absent when null.</summary>
    public IPAddress? SourceIp
    {
        get => _sourceIpAddress;
        set
        {
            _sourceIpAddress = value;
            if (value is not null)
            {
                _sourceIp.SetIp(IpValue.From(value));
            }
        }
    }

    /// <summary>Whether the request came over TLS: <c>aws:SecureTransport</c>; absent when null.</summary>
    public bool? SecureTransport
    {
        get => _secure;
        set
        {
            _secure = value;
            if (value is { } secure)
            {
                _secureTransport.SetBool(secure);
            }
        }
    }

    /// <summary>The region the request is for: <c>aws:RequestedRegion</c>; absent when null.</summary>
    public string? RequestedRegion
    {
        get => _region;
        set
        {
            _region = value;
            if (value is not null)
            {
                _requestedRegion.SetText(value);
            }
        }
    }

    /// <summary>The explicitly set keys, in no particular order.</summary>
    public IEnumerable<string> ExplicitKeys => _entries.Keys;

    /// <summary>Sets a single-valued key (e.g. <c>redshift:DbUser</c>). Setting a standard key overrides the derived value.</summary>
    public RequestContext Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Put(key).SetText(value);
        return this;
    }

    /// <summary>Sets a multivalued key (e.g. <c>aws:TagKeys</c>): only ForAllValues/ForAnyValue operators match it.</summary>
    public RequestContext Set(string key, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Put(key).SetTexts(values);
        return this;
    }

    /// <summary>Sets a numeric key.</summary>
    public RequestContext SetNumber(string key, decimal value)
    {
        Put(key).SetNumber(value);
        return this;
    }

    /// <summary>Sets a date key.</summary>
    public RequestContext SetDate(string key, DateTimeOffset value)
    {
        Put(key).SetDate(value);
        return this;
    }

    /// <summary>Sets a boolean key.</summary>
    public RequestContext SetBool(string key, bool value)
    {
        Put(key).SetBool(value);
        return this;
    }

    /// <summary>Sets an IP address key.</summary>
    public RequestContext SetIp(string key, IPAddress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Put(key).SetIp(IpValue.From(value));
        return this;
    }

    /// <summary>Sets a binary key (compared byte for byte by BinaryEquals).</summary>
    public RequestContext SetBinary(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Put(key).SetBinary(value);
        return this;
    }

    /// <summary>Removes an explicitly set key; true when it was present.</summary>
    public bool Remove(string key) => _entries.Remove(key);

    /// <summary>Clears every key and re-reads the time, for reuse with the next request.</summary>
    public void Reset()
    {
        _entries.Clear();
        _overrides = 0;
        SourceIp = null;
        SecureTransport = null;
        RequestedRegion = null;
        CurrentTime = _timeProvider.GetUtcNow();
    }

    /// <summary>Finds a key's values: explicit values first for overridden standard keys, then derived ones.</summary>
    internal bool TryGet(ConditionKey key, PrincipalInfo principal, out ContextEntry entry)
    {
        if (key.Known == WellKnownKey.None || (_overrides & (1u << (int)key.Known)) != 0)
        {
            if (_entries.TryGetValue(key.Name, out entry!) && entry.Count > 0)
            {
                return true;
            }

            if (key.Known == WellKnownKey.None)
            {
                return false;
            }
        }

        var derived = key.Known switch
        {
            WellKnownKey.CurrentTime => _currentTime,
            WellKnownKey.EpochTime => _epochTime,
            WellKnownKey.SourceIp => _sourceIpAddress is null ? null : _sourceIp,
            WellKnownKey.SecureTransport => _secure is null ? null : _secureTransport,
            WellKnownKey.RequestedRegion => _region is null ? null : _requestedRegion,
            WellKnownKey.UserId => principal.UserIdEntry,
            WellKnownKey.UserName => principal.UserNameEntry,
            WellKnownKey.PrincipalArn => principal.PrincipalArnEntry,
            WellKnownKey.PrincipalAccount => principal.AccountEntry,
            WellKnownKey.PrincipalType => principal.TypeEntry,
            WellKnownKey.PrincipalTag => principal.TagEntry(key.TagKey!),
            _ => null,
        };
        entry = derived!;
        return derived is { Count: > 0 };
    }

    private ContextEntry Put(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var known = ConditionKey.Classify(key);
        if (known != WellKnownKey.None)
        {
            _overrides |= 1u << (int)known;
        }

        if (!_entries.TryGetValue(key, out var entry))
        {
            entry = new ContextEntry();
            _entries[key] = entry;
        }

        return entry;
    }
}
