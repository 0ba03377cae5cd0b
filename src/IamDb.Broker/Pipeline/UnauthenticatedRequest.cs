using System.Buffers;

namespace IamDb.Broker.Pipeline;

/// <summary>
/// What the audit record of a request that failed authentication may say about it: only its <c>Action</c> and
/// <c>Version</c>, read raw (nothing is decoded) and kept only when they look like an action name and a version.
/// Every other parameter is ignored unread.
/// </summary>
internal static class UnauthenticatedRequest
{
    private const int MaxNameLength = 64;

    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");

    private static readonly SearchValues<byte> NameBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"u8);

    public static (string? Action, string? Version) PeekActionAndVersion(ReadOnlySpan<char> query)
    {
        string? action = null, version = null;
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            if (action is null && pair.StartsWith("Action=", StringComparison.Ordinal))
            {
                action = Name(pair["Action=".Length..]);
            }
            else if (version is null && pair.StartsWith("Version=", StringComparison.Ordinal))
            {
                version = Name(pair["Version=".Length..]);
            }

            if (action is not null && version is not null)
            {
                break;
            }
        }

        return (action, version);
    }

    public static (string? Action, string? Version) PeekActionAndVersion(ReadOnlySpan<byte> form)
    {
        string? action = null, version = null;
        foreach (var range in form.Split((byte)'&'))
        {
            var pair = form[range];
            if (action is null && pair.StartsWith("Action="u8))
            {
                action = Name(pair["Action=".Length..]);
            }
            else if (version is null && pair.StartsWith("Version="u8))
            {
                version = Name(pair["Version=".Length..]);
            }

            if (action is not null && version is not null)
            {
                break;
            }
        }

        return (action, version);
    }

    private static string? Name(ReadOnlySpan<char> raw) =>
        raw.Length is > 0 and <= MaxNameLength && !raw.ContainsAnyExcept(NameChars) ? raw.ToString() : null;

    private static string? Name(ReadOnlySpan<byte> raw) =>
        raw.Length is > 0 and <= MaxNameLength && !raw.ContainsAnyExcept(NameBytes) ? System.Text.Encoding.ASCII.GetString(raw) : null;
}
