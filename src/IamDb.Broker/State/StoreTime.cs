namespace IamDb.Broker.State;

/// <summary>Timestamps as the store keeps them: UTC, millisecond precision, stored as Unix milliseconds.</summary>
internal static class StoreTime
{
    /// <summary>Truncates to whole milliseconds in UTC, which is what a read returns.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value) => FromUnixMilliseconds(ToUnixMilliseconds(value));

    public static long ToUnixMilliseconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromUnixMilliseconds(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);
}
