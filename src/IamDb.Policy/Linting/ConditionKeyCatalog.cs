using IamDb.Policy.Compilation;

namespace IamDb.Policy.Linting;

/// <summary>The value types a condition key can hold; operators must fit them.</summary>
[Flags]
internal enum KeyType
{
    None = 0,
    String = 1,
    Numeric = 2,
    Date = 4,
    Bool = 8,
    IpAddress = 16,
    Arn = 32,
    Binary = 64,
}

/// <summary>What IamDb knows about a condition key.</summary>
/// <param name="Name">The key's canonical spelling (or prefix, for tag keys).</param>
/// <param name="Type">The types it holds.</param>
/// <param name="IsMultivalued">True for keys that carry a set of values (<c>aws:TagKeys</c>), which need a set operator.</param>
internal sealed record ConditionKeyInfo(string Name, KeyType Type, bool IsMultivalued);

/// <summary>
/// Condition keys for the services IamDb serves: the global <c>aws:</c> keys, and the <c>iam:</c>, <c>sts:</c> and
/// <c>redshift:</c> keys that matter to the broker. Keys of other vendors are not judged.
/// </summary>
internal static class ConditionKeyCatalog
{
    private static readonly string[] JudgedVendors = ["aws", "iam", "sts", "redshift", "iamdb"];

    private static readonly ConditionKeyInfo[] Keys =
    [
        // Global keys (IAM User Guide, "AWS global condition context keys").
        new("aws:CalledVia", KeyType.String, true),
        new("aws:CalledViaFirst", KeyType.String, false),
        new("aws:CalledViaLast", KeyType.String, false),
        new("aws:CurrentTime", KeyType.Date, false),
        new("aws:EpochTime", KeyType.Date | KeyType.Numeric, false),
        new("aws:FederatedProvider", KeyType.String, false),
        new("aws:MultiFactorAuthAge", KeyType.Numeric, false),
        new("aws:MultiFactorAuthPresent", KeyType.Bool, false),
        new("aws:PrincipalAccount", KeyType.String, false),
        new("aws:PrincipalArn", KeyType.Arn, false),
        new("aws:PrincipalIsAWSService", KeyType.Bool, false),
        new("aws:PrincipalOrgID", KeyType.String, false),
        new("aws:PrincipalOrgPaths", KeyType.String, true),
        new("aws:PrincipalServiceName", KeyType.String, false),
        new("aws:PrincipalServiceNamesList", KeyType.String, true),
        new("aws:PrincipalType", KeyType.String, false),
        new("aws:Referer", KeyType.String, false),
        new("aws:RequestedRegion", KeyType.String, false),
        new("aws:ResourceAccount", KeyType.String, false),
        new("aws:ResourceOrgID", KeyType.String, false),
        new("aws:ResourceOrgPaths", KeyType.String, true),
        new("aws:SecureTransport", KeyType.Bool, false),
        new("aws:SourceAccount", KeyType.String, false),
        new("aws:SourceArn", KeyType.Arn, false),
        new("aws:SourceIdentity", KeyType.String, false),
        new("aws:SourceIp", KeyType.IpAddress, false),
        new("aws:SourceOrgID", KeyType.String, false),
        new("aws:SourceOrgPaths", KeyType.String, true),
        new("aws:SourceVpc", KeyType.String, false),
        new("aws:SourceVpcArn", KeyType.Arn, false),
        new("aws:SourceVpce", KeyType.String, false),
        new("aws:TagKeys", KeyType.String, true),
        new("aws:TokenIssueTime", KeyType.Date, false),
        new("aws:UserAgent", KeyType.String, false),
        new("aws:userid", KeyType.String, false),
        new("aws:username", KeyType.String, false),
        new("aws:ViaAWSService", KeyType.Bool, false),
        new("aws:VpcSourceIp", KeyType.IpAddress, false),
        new("aws:Ec2InstanceSourceVpc", KeyType.String, false),
        new("aws:Ec2InstanceSourcePrivateIPv4", KeyType.IpAddress, false),

        // STS.
        new("sts:ExternalId", KeyType.String, false),
        new("sts:RoleSessionName", KeyType.String, false),
        new("sts:SourceIdentity", KeyType.String, false),
        new("sts:TransitiveTagKeys", KeyType.String, true),
        new("sts:AWSServiceName", KeyType.String, true),

        // IAM.
        new("iam:PermissionsBoundary", KeyType.String | KeyType.Arn, false),
        new("iam:PolicyARN", KeyType.Arn, false),
        new("iam:PassedToService", KeyType.String, false),
        new("iam:AssociatedResourceArn", KeyType.Arn, false),
        new("iam:AWSServiceName", KeyType.String, false),
        new("iam:OrganizationsPolicyId", KeyType.String, false),

        // Redshift (SAR types them String; DurationSeconds holds a number, so numeric operators fit too).
        new("redshift:DbUser", KeyType.String, false),
        new("redshift:DbName", KeyType.String, false),
        new("redshift:DurationSeconds", KeyType.String | KeyType.Numeric, false),

        // EXTENSION POINT — IamDb's own condition keys go here.
    ];

    /// <summary>Tag keys: the prefix plus any tag name.</summary>
    private static readonly ConditionKeyInfo[] PrefixKeys =
    [
        new("aws:PrincipalTag/", KeyType.String, false),
        new("aws:RequestTag/", KeyType.String, false),
        new("aws:ResourceTag/", KeyType.String, false),
        new("iam:ResourceTag/", KeyType.String, false),
    ];

    private static readonly Dictionary<string, ConditionKeyInfo> ByName = Keys.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when IamDb judges keys of this key's vendor (so an unknown one is worth a finding).</summary>
    public static bool IsJudgedVendor(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && JudgedVendors.Contains(key[..colon], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Looks a key up (case-insensitive); tag keys need a non-empty tag name after the prefix.</summary>
    public static ConditionKeyInfo? Find(string key)
    {
        if (ByName.TryGetValue(key, out var info))
        {
            return info;
        }

        foreach (var prefix in PrefixKeys)
        {
            if (key.Length > prefix.Name.Length && key.StartsWith(prefix.Name, StringComparison.OrdinalIgnoreCase))
            {
                return prefix;
            }
        }

        return null;
    }

    /// <summary>True when an operator of <paramref name="family"/> can meaningfully compare a key of <paramref name="type"/>.</summary>
    public static bool Fits(ConditionFamily family, KeyType type) => family switch
    {
        ConditionFamily.Null => true,
        ConditionFamily.StringEquals or ConditionFamily.StringEqualsIgnoreCase or ConditionFamily.StringLike => (type & (KeyType.String | KeyType.Arn)) != 0,
        ConditionFamily.Numeric => (type & KeyType.Numeric) != 0,
        ConditionFamily.Date => (type & KeyType.Date) != 0,
        ConditionFamily.Bool => (type & KeyType.Bool) != 0,
        ConditionFamily.Binary => (type & KeyType.Binary) != 0,
        ConditionFamily.IpAddress => (type & KeyType.IpAddress) != 0,
        ConditionFamily.Arn => (type & KeyType.Arn) != 0,
        _ => true,
    };
}
