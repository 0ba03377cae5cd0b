using System.Text;

namespace IamDb.Broker.Audit;

/// <summary>
/// Size caps on audit records, so that no request (authenticated or not) can make the trail grow by more than a bounded
/// amount. A value over its cap is cut and ends with a visible marker, <c>…[truncated N bytes]</c>.
/// </summary>
internal static class AuditLimits
{
    /// <summary>Longest request parameter or response element kept whole: the largest IAM policy document (10,240 characters).</summary>
    public const int MaxValueChars = 10_240;

    /// <summary>Longest User-Agent kept.</summary>
    public const int MaxUserAgentChars = 256;

    /// <summary>Longest error message kept.</summary>
    public const int MaxErrorMessageChars = 1024;

    /// <summary>Longest decision (one policy statement's explanation) kept, and how many decisions a shrunk record keeps.</summary>
    public const int MaxDecisionChars = 1024;

    public const int MaxDecisionsWhenShrunk = 16;

    /// <summary>Largest serialized record; a larger one has its parameters and response elements replaced by a marker.</summary>
    public const int MaxRecordChars = 32 * 1024;

    /// <summary><paramref name="value"/>, or its first <paramref name="max"/> characters and a marker saying how much was cut.</summary>
    public static string Truncate(string value, int max)
    {
        if (value.Length <= max)
        {
            return value;
        }

        var keep = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return string.Concat(value.AsSpan(0, keep), Marker(Encoding.UTF8.GetByteCount(value.AsSpan(keep))));
    }

    /// <summary>The marker that replaces <paramref name="bytes"/> cut bytes.</summary>
    public static string Marker(long bytes) => $"…[truncated {bytes} bytes]";
}
