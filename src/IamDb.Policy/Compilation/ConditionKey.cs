namespace IamDb.Policy.Compilation;

/// <summary>Keys whose values the request context derives from the principal or the request itself.</summary>
internal enum WellKnownKey
{
    None = 0,
    CurrentTime,
    EpochTime,
    SourceIp,
    SecureTransport,
    RequestedRegion,
    UserId,
    UserName,
    PrincipalArn,
    PrincipalAccount,
    PrincipalType,
    PrincipalTag,
}

/// <summary>A condition key or policy-variable key, classified once at compile time so lookups skip string parsing.</summary>
/// <param name="Name">The key as written.</param>
/// <param name="Known">Which derived key it is, or <see cref="WellKnownKey.None"/> for a key looked up by name.</param>
/// <param name="TagKey">For <c>aws:PrincipalTag/…</c>, the tag key.</param>
internal sealed record ConditionKey(string Name, WellKnownKey Known, string? TagKey)
{
    private const string PrincipalTagPrefix = "aws:PrincipalTag/";

    private static readonly Dictionary<string, WellKnownKey> KnownKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["aws:CurrentTime"] = WellKnownKey.CurrentTime,
        ["aws:EpochTime"] = WellKnownKey.EpochTime,
        ["aws:SourceIp"] = WellKnownKey.SourceIp,
        ["aws:SecureTransport"] = WellKnownKey.SecureTransport,
        ["aws:RequestedRegion"] = WellKnownKey.RequestedRegion,
        ["aws:userid"] = WellKnownKey.UserId,
        ["aws:username"] = WellKnownKey.UserName,
        ["aws:PrincipalArn"] = WellKnownKey.PrincipalArn,
        ["aws:PrincipalAccount"] = WellKnownKey.PrincipalAccount,
        ["aws:PrincipalType"] = WellKnownKey.PrincipalType,
    };

    /// <summary>Classifies a key name.</summary>
    public static ConditionKey Parse(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.StartsWith(PrincipalTagPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return new ConditionKey(trimmed, WellKnownKey.PrincipalTag, trimmed[PrincipalTagPrefix.Length..]);
        }

        return new ConditionKey(trimmed, KnownKeys.GetValueOrDefault(trimmed), null);
    }

    /// <summary>The well-known classification of a key name, used by the context to route explicit overrides.</summary>
    public static WellKnownKey Classify(string name) =>
        name.StartsWith(PrincipalTagPrefix, StringComparison.OrdinalIgnoreCase) ? WellKnownKey.PrincipalTag : KnownKeys.GetValueOrDefault(name);
}
