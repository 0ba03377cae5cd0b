using System.Globalization;

namespace IamDb.Aws.Query;

/// <summary>Timestamps as the Query protocol writes them: ISO-8601, UTC, with milliseconds.</summary>
public static class QueryTimestamps
{
    private static readonly string[] InputFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
    ];

    /// <summary>Formats <paramref name="value"/> in UTC with milliseconds: <c>2026-11-24T02:39:32.123Z</c>.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses the ISO-8601 forms botocore sends (<c>…Z</c>, with or without fractional seconds, or with an offset);
    /// no zone designator means UTC. The result is in UTC.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        if (DateTimeOffset.TryParseExact(
                text, InputFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out value))
        {
            return true;
        }

        value = default;
        return false;
    }
}
