using System.Buffers;
using IamDb.Aws.Query;

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

    /// <summary>
    /// True for the STS actions AWS accepts without a signature because their token or assertion is the credential:
    /// <c>AssumeRoleWithWebIdentity</c> and <c>AssumeRoleWithSAML</c> with STS's <c>Version</c>.
    /// </summary>
    public static bool IsTokenBearing(string? action, string? version) =>
        version == QueryService.StsVersion && action is "AssumeRoleWithWebIdentity" or "AssumeRoleWithSAML";

    /// <summary>
    /// The errors of a token-bearing call that refuse its token or assertion (or what it asked for): they spend the source
    /// address's budget of failed authentications, as a bad signature does. An identity provider that cannot be reached
    /// (<c>IDPCommunicationError</c>) or a throttled call does not.
    /// </summary>
    public static bool IsRefusedCredential(string errorCode) =>
        errorCode is "InvalidIdentityToken" or "ExpiredTokenException" or "IDPRejectedClaim" or "AccessDenied";

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
