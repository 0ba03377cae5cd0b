using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;

namespace IamDb.Broker.Actions.Sts;

/// <summary>The STS model's constraints on the parameters every way of starting a role session shares.</summary>
internal static class StsParameterRules
{
    /// <summary><c>RoleSessionName</c>: 2–64 of <c>[\w+=,.@-]</c>.</summary>
    public static readonly StringConstraints SessionName = new(2, 64, @"[\w+=,.@-]*");

    /// <summary>The model's <c>arnType</c>, 20–2048 characters: <c>RoleArn</c>, <c>PrincipalArn</c> and each <c>PolicyArns</c> entry.</summary>
    public static readonly StringConstraints RoleArn = new(20, 2048);

    /// <summary>A session tag's key.</summary>
    public static readonly StringConstraints TagKey = new(1, 128, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]+");

    /// <summary>A session tag's value.</summary>
    public static readonly StringConstraints TagValue = new(0, 256, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]*");

    /// <summary><c>SourceIdentity</c>: 2–64 of <c>[\w+=,.@-]</c>.</summary>
    public static readonly StringConstraints SourceIdentity = new(2, 64, @"[\w+=,.@-]*");

    /// <summary>True when <paramref name="value"/> meets <paramref name="constraints"/>: for values that arrive inside a token or an assertion, not as parameters.</summary>
    public static bool Satisfies(StringConstraints constraints, string value) =>
        value.Length >= constraints.MinLength && value.Length <= constraints.MaxLength && constraints.MatchesPattern(value);

    /// <summary>True when (<paramref name="key"/>, <paramref name="value"/>) is a valid session tag.</summary>
    public static bool IsSessionTag(string key, string value) => Satisfies(TagKey, key) && Satisfies(TagValue, value);

    /// <summary>The role a <c>RoleArn</c> names, or AWS's <c>ValidationError</c> when it is not a role's ARN.</summary>
    public static (Arn Arn, string RoleName) ParseRoleArn(string roleArnText)
    {
        if (!Arn.TryParse(roleArnText, out var roleArn, out _) || !roleArn.TryGetIamEntity(out var entityType, out _, out var roleName) ||
            entityType != IamEntityType.Role)
        {
            throw new AwsErrorException(new AwsError(AwsErrorCodes.ValidationError, $"{roleArnText} is invalid", 400));
        }

        return (roleArn, roleName);
    }
}
