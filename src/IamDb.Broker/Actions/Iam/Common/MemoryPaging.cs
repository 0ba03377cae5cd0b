using System.Globalization;
using IamDb.Broker.State;

namespace IamDb.Broker.Actions.Iam;

/// <summary>
/// IAM paging over lists a handler already holds whole (tags, access keys, policy versions, authorization details):
/// the marker is the store's opaque <see cref="PageMarker"/> carrying the next index, so markers of one list are
/// refused by another (<c>InvalidInput</c>).
/// </summary>
internal static class MemoryPaging
{
    public static Page<T> Slice<T>(IReadOnlyList<T> items, string list, PageRequest request)
    {
        var position = PageMarker.Decode(list, request.Marker);
        var start = 0;
        if (position is not null && (!int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start > items.Count))
        {
            throw new InvalidMarkerException();
        }

        var end = Math.Min(items.Count, start + request.Limit);
        var slice = new List<T>(end - start);
        for (var i = start; i < end; i++)
        {
            slice.Add(items[i]);
        }

        var next = end < items.Count ? PageMarker.Encode(list, end.ToString(CultureInfo.InvariantCulture)) : null;
        return new Page<T>(slice, next);
    }

}
