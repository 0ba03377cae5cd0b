namespace IamDb.Broker.State.Iam;

/// <summary>A customer managed policy (ANPA…). <see cref="AttachmentCount"/> is computed on read.</summary>
internal sealed record ManagedPolicy(
    string AccountId,
    string PolicyId,
    string PolicyName,
    string Path,
    string Arn,
    string DefaultVersionId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public string? Description { get; init; }

    public IReadOnlyList<Tag> Tags { get; init; } = [];

    public int AttachmentCount { get; init; }
}

/// <summary>One version (v1, v2, …) of a managed policy.</summary>
internal sealed record PolicyVersion(string PolicyArn, string VersionId, string Document, bool IsDefaultVersion, DateTimeOffset CreatedAt);

/// <summary>A managed policy attached to a principal.</summary>
internal sealed record AttachedPolicy(string PolicyArn, string PolicyName);

/// <summary>A principal a managed policy is attached to.</summary>
internal sealed record PolicyEntity(PrincipalKind Kind, string PrincipalId, string Name);

/// <summary>An inline policy embedded in a user, group or role.</summary>
internal sealed record InlinePolicy(string PrincipalId, string PolicyName, string Document);

/// <summary>An account guardrail: an SCP-like document that bounds every principal of the account.</summary>
internal sealed record GuardrailPolicy(string AccountId, string Name, string Document, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Managed policies, their versions and their attachments.</summary>
internal interface IManagedPolicyReader
{
    Task<ManagedPolicy?> GetAsync(string policyArn, CancellationToken cancellationToken);

    Task<Page<ManagedPolicy>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken);

    Task<PolicyVersion?> GetVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken);

    /// <summary>The default version's document, the one authorization uses.</summary>
    Task<PolicyVersion?> GetDefaultVersionAsync(string policyArn, CancellationToken cancellationToken);

    /// <summary>All versions, newest first (at most five).</summary>
    Task<IReadOnlyList<PolicyVersion>> ListVersionsAsync(string policyArn, CancellationToken cancellationToken);

    /// <summary>Policies attached to a principal, in ARN order. Works for AWS-managed ARNs too.</summary>
    Task<Page<AttachedPolicy>> ListAttachedAsync(string principalId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Principals a policy is attached to, optionally of one kind.</summary>
    Task<Page<PolicyEntity>> ListEntitiesAsync(string accountId, string policyArn, PrincipalKind? kind, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IManagedPolicyReader"/>
internal interface IManagedPolicyWriter : IManagedPolicyReader
{
    /// <summary>Creates the policy with <paramref name="document"/> as its default version v1.</summary>
    /// <exception cref="EntityAlreadyExistsException">a policy of that name exists in the account.</exception>
    Task<ManagedPolicy> CreateAsync(ManagedPolicy policy, string document, CancellationToken cancellationToken);

    /// <summary>Replaces description and tags; false if the policy does not exist.</summary>
    Task<bool> UpdateAsync(ManagedPolicy policy, CancellationToken cancellationToken);

    /// <summary>Deletes the policy and its default version; false if it does not exist.</summary>
    /// <exception cref="DeleteConflictException">attached to any principal, the permissions boundary of any user or role,
    /// or has versions besides the default.</exception>
    Task<bool> DeleteAsync(string policyArn, CancellationToken cancellationToken);

    /// <summary>Adds the next version (v2, v3, … never reused). Returns null if the policy does not exist.</summary>
    /// <exception cref="StateLimitExceededException">the policy already has five versions.</exception>
    Task<PolicyVersion?> CreateVersionAsync(string policyArn, string document, bool setAsDefault, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes a version the default; false if the policy or version does not exist.</summary>
    Task<bool> SetDefaultVersionAsync(string policyArn, string versionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <exception cref="DeleteConflictException">it is the default version.</exception>
    Task<bool> DeleteVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken);

    /// <summary>Attaches a policy ARN to a principal; false if it was already attached.</summary>
    Task<bool> AttachAsync(string accountId, PrincipalKind kind, string principalId, string policyArn, CancellationToken cancellationToken);

    /// <summary>Detaches; false if it was not attached.</summary>
    Task<bool> DetachAsync(string principalId, string policyArn, CancellationToken cancellationToken);
}

/// <summary>Inline policies of users, groups and roles (names case-insensitive per principal).</summary>
internal interface IInlinePolicyReader
{
    Task<InlinePolicy?> GetAsync(string principalId, string policyName, CancellationToken cancellationToken);

    /// <summary>Inline policies of a principal in name order.</summary>
    Task<Page<InlinePolicy>> ListAsync(string principalId, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IInlinePolicyReader"/>
internal interface IInlinePolicyWriter : IInlinePolicyReader
{
    /// <summary>Creates or replaces an inline policy (PutUserPolicy semantics).</summary>
    Task PutAsync(string accountId, PrincipalKind kind, InlinePolicy policy, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string principalId, string policyName, CancellationToken cancellationToken);
}

/// <summary>Account guardrail policies.</summary>
internal interface IGuardrailReader
{
    /// <summary>All guardrails of an account in name order.</summary>
    Task<IReadOnlyList<GuardrailPolicy>> ListAsync(string accountId, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IGuardrailReader"/>
internal interface IGuardrailWriter : IGuardrailReader
{
    /// <summary>Creates or replaces a guardrail by (case-insensitive) name.</summary>
    Task PutAsync(GuardrailPolicy guardrail, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string accountId, string name, CancellationToken cancellationToken);
}
