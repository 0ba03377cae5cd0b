using IamDb.Policy.Evaluation;

namespace IamDb.Policy.Authorization;

/// <summary>One request to authorize: who, which action, on which resource, with which context keys.</summary>
/// <param name="Principal">The caller; reuse one instance per identity.</param>
/// <param name="Action">The IAM action, such as <c>redshift:GetClusterCredentials</c> (matched case-insensitively).</param>
/// <param name="Resource">The resource ARN (matched case-sensitively); <c>*</c> for actions without a resource.</param>
/// <param name="Context">The request's condition keys.</param>
public readonly record struct AuthorizationRequest(PrincipalInfo Principal, string Action, string Resource, RequestContext Context);
