namespace IamDb.Policy.Evaluation;

/// <summary>The kind of principal making a request.</summary>
public enum PrincipalType
{
    /// <summary>The account root user (<c>arn:aws:iam::ACCT:root</c>); <c>aws:PrincipalType</c> is <c>Account</c>.</summary>
    Root,

    /// <summary>An IAM user.</summary>
    User,

    /// <summary>A role session (<c>arn:aws:sts::ACCT:assumed-role/ROLE/SESSION</c>), including web identity and SAML.</summary>
    AssumedRole,

    /// <summary>A federated user session from GetFederationToken (<c>arn:aws:sts::ACCT:federated-user/NAME</c>).</summary>
    FederatedUser,

    /// <summary>An unauthenticated caller.</summary>
    Anonymous,

    /// <summary>An AWS service principal such as <c>redshift.amazonaws.com</c>.</summary>
    Service,
}
