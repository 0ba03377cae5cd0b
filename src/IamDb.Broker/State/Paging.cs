using System.Text;

namespace IamDb.Broker.State;

/// <summary>
/// One page of a list request, IAM style: an opaque <see cref="Marker"/> from the previous page's
/// <see cref="Page{T}.NextMarker"/> (or null for the first page) and at most <see cref="MaxItems"/> items.
/// </summary>
internal sealed record PageRequest(string? Marker = null, int MaxItems = PageRequest.DefaultMaxItems)
{
    /// <summary>IAM's default page size.</summary>
    public const int DefaultMaxItems = 100;

    /// <summary>IAM's largest page size.</summary>
    public const int MaxMaxItems = 1000;

    /// <summary>The first page with the default size.</summary>
    public static PageRequest First { get; } = new();

    /// <summary>The page size clamped to 1..1000.</summary>
    public int Limit => Math.Clamp(MaxItems, 1, MaxMaxItems);
}

/// <summary>A page of results; <see cref="NextMarker"/> is non-null exactly when more items follow.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? NextMarker)
{
    /// <summary>IAM's <c>IsTruncated</c>.</summary>
    public bool IsTruncated => NextMarker is not null;
}

/// <summary>Helpers over paged store lists.</summary>
internal static class Pages
{
    /// <summary>Every item of a paged store list, following markers (for reports and policy loading over a whole list).</summary>
    public static async Task<List<T>> ReadAllAsync<T>(Func<PageRequest, Task<Page<T>>> list)
    {
        var all = new List<T>();
        string? marker = null;
        do
        {
            var page = await list(new PageRequest(marker, PageRequest.MaxMaxItems));
            all.AddRange(page.Items);
            marker = page.NextMarker;
        }
        while (marker is not null);
        return all;
    }
}

/// <summary>
/// Encodes list positions as opaque markers: base64url of a list-kind tag and the last key returned, so a
/// marker of one list is refused by another instead of silently skipping items.
/// </summary>
internal static class PageMarker
{
    public static string Encode(string list, string position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{list}\n{position}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The position inside <paramref name="marker"/>, or null for the first page.</summary>
    public static string? Decode(string list, string? marker)
    {
        if (string.IsNullOrEmpty(marker))
        {
            return null;
        }

        string text;
        try
        {
            var base64 = marker.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new InvalidMarkerException();
        }

        var separator = text.IndexOf('\n', StringComparison.Ordinal);
        if (separator < 0 || !text.AsSpan(0, separator).SequenceEqual(list))
        {
            throw new InvalidMarkerException();
        }

        return text[(separator + 1)..];
    }
}
