using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam;

/// <summary>
/// The IAM model's parameter constraints (botocore's <c>iam.service-2.json</c> shapes), shared by every IAM handler so
/// a name or path is validated the same way everywhere, with Coral's <c>ValidationError</c> messages.
/// </summary>
internal static class IamParameters
{
    private const string NamePattern = @"[\w+=,.@-]+";

    /// <summary><c>userNameType</c> and <c>roleNameType</c>: names of new users and roles.</summary>
    public static StringConstraints NewUserName { get; } = new(1, 64, NamePattern);

    /// <summary><c>existingUserNameType</c>: names of users that must exist (longer names fail lookup instead).</summary>
    public static StringConstraints ExistingUserName { get; } = new(1, 128, NamePattern);

    /// <summary><c>roleNameType</c>.</summary>
    public static StringConstraints RoleName { get; } = new(1, 64, NamePattern);

    /// <summary><c>groupNameType</c>.</summary>
    public static StringConstraints GroupName { get; } = new(1, 128, NamePattern);

    /// <summary><c>policyNameType</c>: managed and inline policy names.</summary>
    public static StringConstraints PolicyName { get; } = new(1, 128, NamePattern);

    /// <summary><c>pathType</c>.</summary>
    public static StringConstraints Path { get; } = new(1, 512, @"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)");

    /// <summary><c>pathPrefixType</c>.</summary>
    public static StringConstraints PathPrefix { get; } = new(1, 512, @"\u002F[\u0021-\u007F]*");

    /// <summary><c>policyPathType</c>: paths of managed policies (and ListPolicies' PathPrefix).</summary>
    public static StringConstraints PolicyPath { get; } = new(1, 512, @"((/[A-Za-z0-9\.,\+@=_-]+)*)/");

    /// <summary><c>markerType</c>.</summary>
    public static StringConstraints Marker { get; } = new(1, 320, @"[\u0020-\u00FF]+");

    /// <summary><c>arnType</c>.</summary>
    public static StringConstraints Arn { get; } = new(20, 2048);

    /// <summary><c>policyDocumentType</c>.</summary>
    public static StringConstraints PolicyDocument { get; } = new(1, 131072, @"[\u0009\u000A\u000D\u0020-\u00FF]+");

    /// <summary><c>roleDescriptionType</c>.</summary>
    public static StringConstraints RoleDescription { get; } = new(0, 1000, @"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*");

    /// <summary><c>policyDescriptionType</c>.</summary>
    public static StringConstraints PolicyDescription { get; } = new(0, 1000);

    /// <summary><c>policyVersionIdType</c>.</summary>
    public static StringConstraints PolicyVersionId { get; } = new(pattern: @"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?");

    /// <summary><c>accessKeyIdType</c>.</summary>
    public static StringConstraints AccessKeyId { get; } = new(16, 128, @"[\w]+");

    /// <summary><c>tagKeyType</c>.</summary>
    public static StringConstraints TagKey { get; } = new(1, 128, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]+");

    /// <summary><c>tagValueType</c>.</summary>
    public static StringConstraints TagValue { get; } = new(0, 256, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");

    /// <summary><c>roleMaxSessionDurationType</c> bounds in seconds.</summary>
    public const int MinSessionDuration = 3600;

    /// <summary>The upper bound of <c>roleMaxSessionDurationType</c>.</summary>
    public const int MaxSessionDuration = 43200;

    /// <summary><c>tagListType</c>'s and IAM's per-entity quota.</summary>
    public const int MaxTags = 50;

    /// <summary>A reader reporting IAM's (Coral) <c>ValidationError</c> style.</summary>
    public static QueryParameterReader Reader(ActionContext context) => new(context.Request.Parameters, QueryValidationStyle.ValidationError);

    /// <summary>Throws the reader's single <c>ValidationError</c> if anything was wrong.</summary>
    public static void ThrowIfInvalid(this QueryParameterReader reader)
    {
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }
    }

    /// <summary>Reads <c>Marker</c> and <c>MaxItems</c> (1–1000, default 100).</summary>
    public static PageRequest ReadPage(this QueryParameterReader reader)
    {
        var marker = reader.OptionalString("Marker", Marker);
        var maxItems = reader.OptionalInt("MaxItems", 1, PageRequest.MaxMaxItems);
        return new PageRequest(marker, maxItems ?? PageRequest.DefaultMaxItems);
    }

    /// <summary>Reads <c>Tags.member.N.Key/Value</c> (at most 50).</summary>
    public static IReadOnlyList<Tag>? ReadTags(this QueryParameterReader reader) =>
        reader.OptionalStructList("Tags", ReadTag, maxItems: MaxTags);

    /// <summary>Reads the required <c>Tags</c> list of TagUser and TagRole.</summary>
    public static IReadOnlyList<Tag> ReadRequiredTags(this QueryParameterReader reader) =>
        reader.RequiredStructList("Tags", ReadTag, maxItems: MaxTags);

    /// <summary>
    /// What a <c>Tag…</c> call adds (its required <c>Tags</c>) or an <c>Untag…</c> call removes (its required
    /// <c>TagKeys</c>, at most 50); the other list is empty.
    /// </summary>
    public static (IReadOnlyList<Tag> Added, IReadOnlyList<string> Removed) ReadTagChange(this QueryParameterReader reader, bool tag) =>
        tag ? (reader.ReadRequiredTags(), []) : ([], reader.RequiredStringList("TagKeys", itemConstraints: TagKey, maxItems: MaxTags));

    private static Tag ReadTag(QueryParameterReader item) =>
        new(item.RequiredString("Key", TagKey), item.RequiredString("Value", TagValue));
}

/// <summary>Enum parameters, reported the way Coral reports a value outside an enum.</summary>
internal static class IamEnumParameters
{
    /// <summary>Reads an optional enum string; a value outside <paramref name="values"/> is recorded and null returned.</summary>
    public static string? OptionalEnum(this QueryParameterReader reader, string name, params string[] values)
    {
        var value = reader.OptionalString(name);
        if (value is not null && !values.Contains(value, StringComparer.Ordinal))
        {
            reader.ReportInvalid(name, value, $"Member must satisfy enum value set: [{string.Join(", ", values)}]");
            return null;
        }

        return value;
    }

    /// <summary>Reads a required enum string; <see cref="string.Empty"/> when missing or invalid.</summary>
    public static string RequiredEnum(this QueryParameterReader reader, string name, params string[] values)
    {
        if (!reader.Contains(name))
        {
            return reader.RequiredString(name);
        }

        return reader.OptionalEnum(name, values) ?? string.Empty;
    }
}
