using System.Globalization;

namespace IamDb.Cli.Commands.Audit;

/// <summary>Parses <c>--since</c>/<c>--until</c>: an ISO-8601 date or time (UTC unless it says otherwise) or an age like <c>15m</c>.</summary>
internal static class AuditTimeParser
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    public const string FormsHelp = "an ISO-8601 time (2026-12-01, 2026-12-01T09:30:00Z, 2026-12-01T10:30:00+01:00) or an age: a number and s, m, h, d or w (15m, 2h, 7d)";

    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiLetter(text[^1]) && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            TimeSpan? unit = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                'w' => TimeSpan.FromDays(7),
                _ => null,
            };
            if (unit is null || amount > 100L * 365 * 24 * 3600)
            {
                return false;
            }

            value = now - (unit.Value * amount);
            return true;
        }

        // Local-free parsing: a time without an offset is UTC, as CloudTrail's times are.
        if (DateTimeOffset.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            return true;
        }

        return text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
