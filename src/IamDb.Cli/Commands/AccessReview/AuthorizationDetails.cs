namespace IamDb.Cli.Commands.AccessReview;

/// <summary>An inline policy: its name and JSON document.</summary>
internal sealed record InlinePolicy(string Name, string Document);

/// <summary>An IAM user as <c>GetAccountAuthorizationDetails</c> describes it.</summary>
internal sealed record UserDetail(
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
internal sealed record GroupDetail(string Name, string Arn, IReadOnlyList<string> AttachedPolicyArns, IReadOnlyList<InlinePolicy> InlinePolicies);

/// <summary>An IAM role (its trust policy says who may assume it).</summary>
internal sealed record RoleDetail(
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
internal sealed record ManagedPolicyDetail(string Arn, string Name, string Document);

/// <summary>The IAM side of an account: what <c>GetAccountAuthorizationDetails</c> returns.</summary>
internal sealed record AuthorizationDetails(
    string AccountId,
    IReadOnlyList<UserDetail> Users,
    IReadOnlyList<GroupDetail> Groups,
    IReadOnlyList<RoleDetail> Roles,
    IReadOnlyList<ManagedPolicyDetail> Policies);

/// <summary>A cluster to review: its identifier and where its ARNs live.</summary>
internal sealed record ClusterRef(string Identifier, string Region, string AccountId);
