using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IamDb.Policy.Compilation;

/// <summary>Parsing of typed condition values, shared by the compiler (policy values) and the context (request values).</summary>
internal static class ValueParsing
{
    private const NumberStyles NumberStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
    private static readonly System.Buffers.SearchValues<char> EpochChars = System.Buffers.SearchValues.Create("0123456789.-");

    private const DateTimeStyles DateStyle = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    /// <summary>An integer or decimal number.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out decimal value) =>
        decimal.TryParse(text.Trim(), NumberStyle, CultureInfo.InvariantCulture, out value);

    /// <summary>A W3C ISO-8601 date/time, or epoch (UNIX) seconds.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        text = text.Trim();
        if (text.Length > 0 && text.IndexOfAnyExcept(EpochChars) < 0 && text[1..].IndexOf('-') < 0
            && decimal.TryParse(text, NumberStyle, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryFromEpoch(seconds, out value);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateStyle, out value);
    }

    /// <summary>Epoch seconds to an instant, when in range.</summary>
    public static bool TryFromEpoch(decimal seconds, out DateTimeOffset value)
    {
        const decimal Max = 253402300799m; // 9999-12-31T23:59:59Z
        const decimal Min = -62135596800m; // 0001-01-01T00:00:00Z
        if (seconds < Min || seconds > Max)
        {
            value = default;
            return false;
        }

        value = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary><c>true</c> or <c>false</c>, any case.</summary>
    public static bool TryParseBool(ReadOnlySpan<char> text, out bool value)
    {
        text = text.Trim();
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            value = true;
            return true;
        }

        value = false;
        return text.Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An IPv4 or IPv6 address (allocates; callers cache the result).</summary>
    public static bool TryParseIp(ReadOnlySpan<char> text, out IpValue value)
    {
        if (IPAddress.TryParse(text.Trim(), out var address))
        {
            value = IpValue.From(address);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>A CIDR block (<c>203.0.113.0/24</c>, <c>2001:db8::/32</c>) or a bare address (one host).</summary>
    public static bool TryParseCidr(ReadOnlySpan<char> text, out IpCidr value)
    {
        value = default;
        text = text.Trim();
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!TryParseIp(addressText, out var address))
        {
            return false;
        }

        var width = address.IsV6 ? 128 : 32;
        var prefix = width;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > width))
        {
            return false;
        }

        value = new IpCidr(address, prefix);
        return true;
    }
}

/// <summary>An IP address as a number; IPv4-mapped IPv6 addresses count as IPv4.</summary>
internal readonly record struct IpValue(UInt128 Bits, bool IsV6)
{
    /// <summary>Converts an address.</summary>
    public static IpValue From(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written);
        UInt128 bits = 0;
        for (var i = 0; i < written; i++)
        {
            bits = (bits << 8) | bytes[i];
        }

        return new IpValue(bits, address.AddressFamily == AddressFamily.InterNetworkV6);
    }

    /// <summary>The conventional text form.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[IsV6 ? 16 : 4];
        var bits = Bits;
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(bits & 0xFF);
            bits >>= 8;
        }

        return new IPAddress(bytes).ToString();
    }
}

/// <summary>A CIDR block.</summary>
internal readonly record struct IpCidr(IpValue Network, int PrefixLength)
{
    /// <summary>True when the address is in the block (same family only).</summary>
    public bool Contains(IpValue address)
    {
        if (address.IsV6 != Network.IsV6)
        {
            return false;
        }

        var width = Network.IsV6 ? 128 : 32;
        var shift = width - PrefixLength;
        return shift >= width || (address.Bits >> shift) == (Network.Bits >> shift);
    }
}
