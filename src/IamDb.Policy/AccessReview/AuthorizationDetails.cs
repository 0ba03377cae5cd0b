namespace IamDb.Policy.AccessReview;

/// <summary>An inline policy: its name and JSON document.</summary>
/// <param name="Name">The policy's name.</param>
/// <param name="Document">The policy document (JSON, decoded).</param>
public sealed record InlinePolicy(string Name, string Document);

/// <summary>An IAM user as <c>GetAccountAuthorizationDetails</c> describes it.</summary>
/// <param name="Name">The user's name.</param>
/// <param name="Arn">The user's ARN.</param>
/// <param name="UserId">The user's unique id.</param>
/// <param name="Path">The user's path.</param>
/// <param name="Groups">The names of the groups the user belongs to.</param>
/// <param name="AttachedPolicyArns">The managed policies attached to the user.</param>
/// <param name="InlinePolicies">The user's inline policies.</param>
/// <param name="PermissionsBoundaryArn">The managed policy that bounds the user, if any.</param>
/// <param name="Tags">The user's tags.</param>
public sealed record UserDetail(
    string Name,
    string Arn,
    string UserId,
    string Path,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> AttachedPolicyArns,
    IReadOnlyList<InlinePolicy> InlinePolicies,
    string? PermissionsBoundaryArn,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>An IAM group.</summary>
/// <param name="Name">The group's name.</param>
/// <param name="Arn">The group's ARN.</param>
/// <param name="AttachedPolicyArns">The managed policies attached to the group.</param>
/// <param name="InlinePolicies">The group's inline policies.</param>
public sealed record GroupDetail(string Name, string Arn, IReadOnlyList<string> AttachedPolicyArns, IReadOnlyList<InlinePolicy> InlinePolicies);

/// <summary>An IAM role (its trust policy says who may assume it).</summary>
/// <param name="Name">The role's name.</param>
/// <param name="Arn">The role's ARN.</param>
/// <param name="RoleId">The role's unique id.</param>
/// <param name="Path">The role's path.</param>
/// <param name="AttachedPolicyArns">The managed policies attached to the role.</param>
/// <param name="InlinePolicies">The role's inline policies.</param>
/// <param name="PermissionsBoundaryArn">The managed policy that bounds the role, if any.</param>
/// <param name="TrustPolicy">The role's trust policy (JSON, decoded).</param>
/// <param name="Tags">The role's tags.</param>
public sealed record RoleDetail(
    string Name,
    string Arn,
    string RoleId,
    string Path,
    IReadOnlyList<string> AttachedPolicyArns,
    IReadOnlyList<InlinePolicy> InlinePolicies,
    string? PermissionsBoundaryArn,
    string? TrustPolicy,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>A managed policy with its default version's document.</summary>
/// <param name="Arn">The policy's ARN.</param>
/// <param name="Name">The policy's name.</param>
/// <param name="Document">The default version's document (JSON, decoded).</param>
public sealed record ManagedPolicyDetail(string Arn, string Name, string Document);

/// <summary>The IAM side of an account: what <c>GetAccountAuthorizationDetails</c> returns.</summary>
/// <param name="AccountId">The account's 12-digit id.</param>
/// <param name="Users">Every user.</param>
/// <param name="Groups">Every group.</param>
/// <param name="Roles">Every role.</param>
/// <param name="Policies">Every customer managed policy.</param>
public sealed record AuthorizationDetails(
    string AccountId,
    IReadOnlyList<UserDetail> Users,
    IReadOnlyList<GroupDetail> Groups,
    IReadOnlyList<RoleDetail> Roles,
    IReadOnlyList<ManagedPolicyDetail> Policies);

/// <summary>A cluster to review: its identifier and where its ARNs live.</summary>
/// <param name="Identifier">The cluster identifier.</param>
/// <param name="Region">The region in the cluster's ARNs.</param>
/// <param name="AccountId">The account in the cluster's ARNs.</param>
public sealed record ClusterRef(string Identifier, string Region, string AccountId);
