namespace IamDb.Aws.Query;

/// <summary>How a <see cref="QueryParameterReader"/> turns the problems it found into one AWS error.</summary>
internal enum QueryValidationStyle
{
    /// <summary>
    /// IAM and STS (AWS "Coral" validation): every problem goes into one <c>ValidationError</c> (400),
    /// <c>2 validation errors detected: Value 'x' at 'userName' failed to satisfy constraint: …; Value null at
    /// 'policyArn' failed to satisfy constraint: Member must not be null</c>. Missing required parameters are
    /// reported this way too, as those services do.
    /// </summary>
    ValidationError,

    /// <summary>
    /// Redshift and other older Query services: the first problem only, as <c>MissingParameter</c> (400,
    /// <c>The request must contain the parameter X</c>) or <c>InvalidParameterValue</c> (400).
    /// </summary>
    InvalidParameterValue,
}
