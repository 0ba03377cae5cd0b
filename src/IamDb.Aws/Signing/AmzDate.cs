namespace IamDb.Aws.Signing;

/// <summary>SigV4's timestamp: ISO 8601 basic format in UTC, <c>yyyyMMdd'T'HHmmss'Z'</c> (16 characters).</summary>
internal static class AmzDate
{
    public const int Length = 16;

    public static string Format(DateTimeOffset time)
    {
        Span<char> chars = stackalloc char[Length];
        Write(time, chars);
        return new string(chars);
    }

    public static void Write(DateTimeOffset time, Span<char> destination)
    {
        var utc = time.UtcDateTime;
        WriteDigits(destination[..4], utc.Year);
        WriteDigits(destination.Slice(4, 2), utc.Month);
        WriteDigits(destination.Slice(6, 2), utc.Day);
        destination[8] = 'T';
        WriteDigits(destination.Slice(9, 2), utc.Hour);
        WriteDigits(destination.Slice(11, 2), utc.Minute);
        WriteDigits(destination.Slice(13, 2), utc.Second);
        destination[15] = 'Z';
    }

    /// <summary>Parses the basic format strictly; anything else (extended format, offsets, fractions) fails.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        time = default;
        if (text.Length != Length || text[8] != 'T' || text[15] != 'Z')
        {
            return false;
        }

        if (!TryDigits(text[..4], out var year) || !TryDigits(text.Slice(4, 2), out var month) ||
            !TryDigits(text.Slice(6, 2), out var day) || !TryDigits(text.Slice(9, 2), out var hour) ||
            !TryDigits(text.Slice(11, 2), out var minute) || !TryDigits(text.Slice(13, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static void WriteDigits(Span<char> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }
}
