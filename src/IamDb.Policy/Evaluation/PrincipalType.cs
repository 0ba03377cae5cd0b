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

    /// <summary>
    /// The bearer of a verified OpenID Connect token calling <c>sts:AssumeRoleWithWebIdentity</c>: named in a trust policy
    /// as <c>"Federated": "&lt;provider ARN&gt;"</c>; it has no identity policies. <c>aws:PrincipalType</c> is <c>WebIdentityUser</c>.
    /// </summary>
    WebIdentityUser,

    /// <summary>
    /// The subject of a verified SAML assertion calling <c>sts:AssumeRoleWithSAML</c>: named in a trust policy as
    /// <c>"Federated": "&lt;SAML provider ARN&gt;"</c>; it has no identity policies. <c>aws:PrincipalType</c> is <c>SAMLUser</c>.
    /// </summary>
    SamlUser,
}
