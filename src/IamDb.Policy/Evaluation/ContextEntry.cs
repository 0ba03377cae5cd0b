using System.Globalization;
using IamDb.Policy.Compilation;

namespace IamDb.Policy.Evaluation;

/// <summary>
/// The values of one context key. Values are kept as text plus, when set typed, their typed form; typed readings of
/// text are parsed on demand (numbers, dates, booleans: no allocation) or parsed once and cached (IP addresses).
/// </summary>
internal sealed class ContextEntry
{
    private Scalar[] _values = new Scalar[1];

    /// <summary>The number of values; zero counts as absent.</summary>
    public int Count { get; private set; }

    /// <summary>True when set as a list, even of one value: then only set operators (ForAllValues/ForAnyValue) match it.</summary>
    public bool IsMultiValued { get; private set; }

    public static ContextEntry OfText(string value)
    {
        var entry = new ContextEntry();
        entry.SetText(value);
        return entry;
    }

    public void SetText(string value) => SetOne(new Scalar { Text = value });

    public void SetTexts(IReadOnlyList<string> values)
    {
        if (_values.Length < values.Count)
        {
            _values = new Scalar[values.Count];
        }

        for (var i = 0; i < values.Count; i++)
        {
            _values[i] = new Scalar { Text = values[i] };
        }

        Count = values.Count;
        IsMultiValued = true;
    }

    public void SetNumber(decimal value) => SetOne(new Scalar { Kind = ScalarKind.Number, Number = value });

    public void SetDate(DateTimeOffset value) => SetOne(new Scalar { Kind = ScalarKind.Date, Date = value });

    public void SetBool(bool value) => SetOne(new Scalar { Kind = ScalarKind.Bool, Bool = value, Text = value ? "true" : "false" });

    public void SetIp(IpValue value) => SetOne(new Scalar { Kind = ScalarKind.Ip, Ip = value, IpState = IpParsed });

    public void SetBinary(byte[] value) => SetOne(new Scalar { Kind = ScalarKind.Binary, Binary = value });

    /// <summary>The value as text; typed values are formatted once, on first use.</summary>
    public string GetText(int index)
    {
        ref var v = ref _values[index];
        return v.Text ??= v.Kind switch
        {
            ScalarKind.Number => v.Number.ToString(CultureInfo.InvariantCulture),
            ScalarKind.Date => v.Date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ScalarKind.Ip => v.Ip.ToString(),
            ScalarKind.Binary => Convert.ToBase64String(v.Binary!),
            _ => string.Empty,
        };
    }

    public bool TryGetNumber(int index, out decimal value)
    {
        ref readonly var v = ref _values[index];
        if (v.Kind == ScalarKind.Number)
        {
            value = v.Number;
            return true;
        }

        if (v.Kind == ScalarKind.Date)
        {
            value = v.Date.ToUnixTimeSeconds();
            return true;
        }

        return ValueParsing.TryParseNumber(GetText(index), out value);
    }

    public bool TryGetDate(int index, out DateTimeOffset value)
    {
        ref readonly var v = ref _values[index];
        switch (v.Kind)
        {
            case ScalarKind.Date:
                value = v.Date;
                return true;
            case ScalarKind.Number:
                return ValueParsing.TryFromEpoch(v.Number, out value);
            default:
                return ValueParsing.TryParseDate(GetText(index), out value);
        }
    }

    public bool TryGetBool(int index, out bool value)
    {
        ref readonly var v = ref _values[index];
        if (v.Kind == ScalarKind.Bool)
        {
            value = v.Bool;
            return true;
        }

        return ValueParsing.TryParseBool(GetText(index), out value);
    }

    public bool TryGetIp(int index, out IpValue value)
    {
        ref var v = ref _values[index];
        if (v.IpState == IpUnknown)
        {
            v.IpState = ValueParsing.TryParseIp(GetText(index), out v.Ip) ? IpParsed : IpInvalid;
        }

        value = v.Ip;
        return v.IpState == IpParsed;
    }

    /// <summary>Byte-for-byte comparison; a text value is read as base-64.</summary>
    public bool BinaryEquals(int index, byte[] expected)
    {
        ref readonly var v = ref _values[index];
        if (v.Kind == ScalarKind.Binary)
        {
            return v.Binary.AsSpan().SequenceEqual(expected);
        }

        var text = GetText(index);
        Span<byte> buffer = stackalloc byte[256];
        return text.Length <= 340
            && Convert.TryFromBase64String(text, buffer, out var written)
            && buffer[..written].SequenceEqual(expected);
    }

    private void SetOne(Scalar value)
    {
        _values[0] = value;
        Count = 1;
        IsMultiValued = false;
    }

    private const byte IpUnknown = 0;
    private const byte IpParsed = 1;
    private const byte IpInvalid = 2;

    private enum ScalarKind : byte
    {
        Text,
        Number,
        Date,
        Bool,
        Ip,
        Binary,
    }

    private struct Scalar
    {
        public string? Text;
        public ScalarKind Kind;
        public byte IpState;
        public bool Bool;
        public decimal Number;
        public DateTimeOffset Date;
        public IpValue Ip;
        public byte[]? Binary;
    }
}
