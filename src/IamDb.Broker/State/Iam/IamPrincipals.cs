namespace IamDb.Broker.State.Iam;

/// <summary>A resource tag.</summary>
internal sealed record Tag(string Key, string Value);

/// <summary>The IAM identities that policies attach to and inline policies belong to.</summary>
internal enum PrincipalKind
{
    User,
    Group,
    Role,
}

/// <summary>An IAM user. <see cref="UserId"/> (AIDA…) never changes; name and path may (UpdateUser).</summary>
internal sealed record IamUser(string AccountId, string UserId, string UserName, string Path, string Arn, DateTimeOffset CreatedAt)
{
    public string? PermissionsBoundaryArn { get; init; }

    public IReadOnlyList<Tag> Tags { get; init; } = [];
}

/// <summary>An IAM group (AGPA…).</summary>
internal sealed record IamGroup(string AccountId, string GroupId, string GroupName, string Path, string Arn, DateTimeOffset CreatedAt);

/// <summary>An IAM role (AROA…) with its trust policy.</summary>
internal sealed record IamRole(
    string AccountId,
    string RoleId,
    string RoleName,
    string Path,
    string Arn,
    DateTimeOffset CreatedAt,
    string AssumeRolePolicyDocument)
{
    public string? Description { get; init; }

    /// <summary>Seconds, 3600..43200.</summary>
    public int MaxSessionDuration { get; init; } = 3600;

    public string? PermissionsBoundaryArn { get; init; }

    public IReadOnlyList<Tag> Tags { get; init; } = [];
}

/// <summary>Users of an account, by case-insensitive name.</summary>
internal interface IUserReader
{
    Task<IamUser?> GetAsync(string accountId, string userName, CancellationToken cancellationToken);

    Task<IamUser?> GetByIdAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Users in name order whose path starts with <paramref name="pathPrefix"/> (null: all).</summary>
    Task<Page<IamUser>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IUserReader"/>
internal interface IUserWriter : IUserReader
{
    /// <exception cref="EntityAlreadyExistsException">a user of that name (any case) exists.</exception>
    Task<IamUser> CreateAsync(IamUser user, CancellationToken cancellationToken);

    /// <summary>Replaces name, path, ARN, boundary and tags of the user with <see cref="IamUser.UserId"/>; false if none.</summary>
    /// <exception cref="EntityAlreadyExistsException">renamed to a name that is taken.</exception>
    Task<bool> UpdateAsync(IamUser user, CancellationToken cancellationToken);

    /// <summary>Deletes the user; false if there is none.</summary>
    /// <exception cref="DeleteConflictException">the user still has access keys, groups, attached or inline policies.</exception>
    Task<bool> DeleteAsync(string accountId, string userName, CancellationToken cancellationToken);
}

/// <summary>Groups and their members.</summary>
internal interface IGroupReader
{
    Task<IamGroup?> GetAsync(string accountId, string groupName, CancellationToken cancellationToken);

    Task<Page<IamGroup>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Members of a group in user-name order.</summary>
    Task<Page<IamUser>> ListMembersAsync(string groupId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Groups a user belongs to in group-name order.</summary>
    Task<Page<IamGroup>> ListGroupsForUserAsync(string userId, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IGroupReader"/>
internal interface IGroupWriter : IGroupReader
{
    /// <exception cref="EntityAlreadyExistsException">a group of that name exists.</exception>
    Task<IamGroup> CreateAsync(IamGroup group, CancellationToken cancellationToken);

    /// <summary>Replaces name, path and ARN of the group with that id; false if none.</summary>
    Task<bool> UpdateAsync(IamGroup group, CancellationToken cancellationToken);

    /// <exception cref="DeleteConflictException">the group still has members, attached or inline policies.</exception>
    Task<bool> DeleteAsync(string accountId, string groupName, CancellationToken cancellationToken);

    /// <summary>Adds a user to a group; false if already a member.</summary>
    /// <exception cref="NoSuchEntityException">the user or group does not exist.</exception>
    Task<bool> AddMemberAsync(string groupId, string userId, CancellationToken cancellationToken);

    /// <summary>Removes a user from a group; false if not a member.</summary>
    Task<bool> RemoveMemberAsync(string groupId, string userId, CancellationToken cancellationToken);
}

/// <summary>Roles of an account.</summary>
internal interface IRoleReader
{
    Task<IamRole?> GetAsync(string accountId, string roleName, CancellationToken cancellationToken);

    Task<IamRole?> GetByIdAsync(string roleId, CancellationToken cancellationToken);

    Task<Page<IamRole>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken);
}

/// <inheritdoc cref="IRoleReader"/>
internal interface IRoleWriter : IRoleReader
{
    /// <exception cref="EntityAlreadyExistsException">a role of that name exists.</exception>
    Task<IamRole> CreateAsync(IamRole role, CancellationToken cancellationToken);

    /// <summary>Replaces the mutable fields (trust policy, description, max session, boundary, tags) by role id; false if none.</summary>
    Task<bool> UpdateAsync(IamRole role, CancellationToken cancellationToken);

    /// <exception cref="DeleteConflictException">the role still has attached or inline policies.</exception>
    Task<bool> DeleteAsync(string accountId, string roleName, CancellationToken cancellationToken);
}
