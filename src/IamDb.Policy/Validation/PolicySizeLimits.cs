using System.Globalization;
using IamDb.Policy.Parsing;

namespace IamDb.Policy.Validation;

/// <summary>
/// IAM's size quotas per policy kind (IAM User Guide, "IAM and AWS STS quotas") and how each is counted. IAM does not count white space
/// toward its own quotas; the session-policy limit is the STS API's length constraint on the raw parameter, and
/// guardrails follow Organizations, which counts every character.
/// </summary>
public static class PolicySizeLimits
{
    /// <summary>Managed policy (identity or permissions boundary): 6,144 characters, white space excluded.</summary>
    public const int ManagedPolicy = 6144;

    /// <summary>All inline policies of one user together: 2,048 characters, white space excluded.</summary>
    public const int InlineUserAggregate = 2048;

    /// <summary>All inline policies of one group together: 5,120 characters, white space excluded.</summary>
    public const int InlineGroupAggregate = 5120;

    /// <summary>All inline policies of one role together: 10,240 characters, white space excluded.</summary>
    public const int InlineRoleAggregate = 10240;

    /// <summary>Role trust policy: 2,048 characters (AWS's default quota), white space excluded.</summary>
    public const int TrustPolicy = 2048;

    /// <summary>Session policy: 2,048 characters of plain text, counted as sent (the STS model's length constraint).</summary>
    public const int SessionPolicy = 2048;

    /// <summary>Guardrail (SCP semantics): 5,120 characters, white space included as Organizations counts it.</summary>
    public const int Guardrail = 5120;

    /// <summary>
    /// Resource-based policy: AWS has no single number (each service sets its own); IamDb uses 20,480 characters,
    /// white space excluded, like the largest common service limit.
    /// </summary>
    public const int ResourcePolicy = 20480;

    /// <summary>The limit for a kind; for inline kinds it is the aggregate over the principal's inline policies.</summary>
    /// <param name="kind">The policy kind.</param>
    /// <returns>The limit in counted characters.</returns>
    public static int GetLimit(PolicyKind kind) => kind switch
    {
        PolicyKind.Identity or PolicyKind.PermissionsBoundary => ManagedPolicy,
        PolicyKind.InlineUser => InlineUserAggregate,
        PolicyKind.InlineGroup => InlineGroupAggregate,
        PolicyKind.InlineRole => InlineRoleAggregate,
        PolicyKind.Trust => TrustPolicy,
        PolicyKind.Session => SessionPolicy,
        PolicyKind.Guardrail => Guardrail,
        PolicyKind.Resource => ResourcePolicy,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>True when the kind's size is counted without white space (every IAM quota); false when every character counts.</summary>
    /// <param name="kind">The policy kind.</param>
    /// <returns>Whether white space is excluded.</returns>
    public static bool ExcludesWhitespace(PolicyKind kind) => kind is not (PolicyKind.Session or PolicyKind.Guardrail);

    /// <summary>The size of one document as the kind's quota counts it.</summary>
    /// <param name="json">The document text as submitted.</param>
    /// <param name="kind">The policy kind.</param>
    /// <returns>The counted size in characters.</returns>
    public static int Measure(string json, PolicyKind kind)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!ExcludesWhitespace(kind))
        {
            return json.Length;
        }

        var count = 0;
        foreach (var c in json)
        {
            if (c is not (' ' or '\t' or '\n' or '\r'))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Checks one document against its kind's limit. For inline kinds this checks the document alone; call
    /// <see cref="CheckInlineAggregate"/> with the principal's total as well.
    /// </summary>
    /// <param name="json">The document text as submitted.</param>
    /// <param name="kind">The policy kind.</param>
    /// <param name="entityName">The user, group or role name for inline messages; ignored for other kinds.</param>
    /// <returns>The error to report, or null when the document fits.</returns>
    public static PolicySizeError? Check(string json, PolicyKind kind, string entityName = "") =>
        CheckSize(Measure(json, kind), kind, entityName);

    /// <summary>
    /// Checks the total size of all of a principal's inline policies (each measured with <see cref="Measure"/>,
    /// the new or replaced one included) against the aggregate quota.
    /// </summary>
    /// <param name="totalSize">The sum of the measured sizes.</param>
    /// <param name="kind"><see cref="PolicyKind.InlineUser"/>, <see cref="PolicyKind.InlineGroup"/> or <see cref="PolicyKind.InlineRole"/>.</param>
    /// <param name="entityName">The user, group or role name, as AWS puts it in the message.</param>
    /// <returns>The error to report, or null when the total fits.</returns>
    public static PolicySizeError? CheckInlineAggregate(int totalSize, PolicyKind kind, string entityName)
    {
        if (kind is not (PolicyKind.InlineUser or PolicyKind.InlineGroup or PolicyKind.InlineRole))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only inline policy kinds have an aggregate quota.");
        }

        return CheckSize(totalSize, kind, entityName);
    }

    private static PolicySizeError? CheckSize(int size, PolicyKind kind, string entityName)
    {
        var limit = GetLimit(kind);
        if (size <= limit)
        {
            return null;
        }

        var message = kind switch
        {
            PolicyKind.InlineUser => Format($"Maximum policy size of {limit} bytes exceeded for user {entityName}"),
            PolicyKind.InlineGroup => Format($"Maximum policy size of {limit} bytes exceeded for group {entityName}"),
            PolicyKind.InlineRole => Format($"Maximum policy size of {limit} bytes exceeded for role {entityName}"),
            PolicyKind.Trust => Format($"Cannot exceed quota for ACLSizePerRole: {limit}"),
            PolicyKind.Session => Format(
                $"1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to {limit}"),
            _ => Format($"Cannot exceed quota for PolicySize: {limit}"),
        };
        var code = kind == PolicyKind.Session ? PolicyErrorCodes.ValidationError : PolicyErrorCodes.LimitExceeded;
        return new PolicySizeError(code, message, limit, size);
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
