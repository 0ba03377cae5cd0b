namespace IamDb.Aws.Arns;

/// <summary>The IAM entities whose ARNs read <c>arn:…:iam::ACCOUNT:{type}/{path}{name}</c>.</summary>
internal enum IamEntityType
{
    /// <summary><c>user/</c></summary>
    User,

    /// <summary><c>group/</c></summary>
    Group,

    /// <summary><c>role/</c></summary>
    Role,

    /// <summary><c>policy/</c> (customer managed, or AWS managed with account <c>aws</c>).</summary>
    Policy,
}
