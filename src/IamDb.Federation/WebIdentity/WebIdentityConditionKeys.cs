namespace IamDb.Federation.WebIdentity;

/// <summary>
/// The IAM condition keys AWS sets for <c>sts:AssumeRoleWithWebIdentity</c> from a verified token, prefixed with the
/// provider's <c>host[:port][/path]</c>: <c>…:sub</c>, <c>…:aud</c>, and <c>…:amr</c> when the token has one.
/// Google's rule, as AWS documents it: when the token has <c>azp</c>, <c>accounts.google.com:aud</c> is the
/// <c>azp</c> and <c>accounts.google.com:oaud</c> the <c>aud</c>. Session tags are not here: they become
/// <c>aws:PrincipalTag/*</c> and <c>aws:RequestTag/*</c> through the session, as for <c>AssumeRole</c>.
/// </summary>
internal static class WebIdentityConditionKeys
{
    private const string Google = "accounts.google.com";

    /// <summary>The keys for <paramref name="token"/>; key matching in policies is case-insensitive, so is this map.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> For(VerifiedWebIdentityToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var provider = token.Provider;
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            [provider.ConditionKey("sub")] = [token.Subject],
            [provider.ConditionKey("aud")] = [token.Audience],
        };
        if (provider.HostAndPath == Google && token.AuthorizedParty is { } azp)
        {
            keys[provider.ConditionKey("aud")] = [azp];
            keys[provider.ConditionKey("oaud")] = [token.Audience];
        }

        if (token.AuthenticationMethods.Count > 0)
        {
            keys[provider.ConditionKey("amr")] = token.AuthenticationMethods;
        }

        return keys;
    }
}
