namespace IamDb.Policy.Parsing;

/// <summary>
/// Where a policy document is used. The kind decides which elements are required or prohibited
/// (Principal, Resource, NotPrincipal), which <c>Sid</c> characters are allowed, and the size limit.
/// </summary>
public enum PolicyKind
{
    /// <summary>A managed identity policy (attached to users, groups or roles).</summary>
    Identity,

    /// <summary>An inline policy embedded in a user.</summary>
    InlineUser,

    /// <summary>An inline policy embedded in a group.</summary>
    InlineGroup,

    /// <summary>An inline policy embedded in a role.</summary>
    InlineRole,

    /// <summary>A role trust policy (the role's resource policy for <c>sts:AssumeRole</c>).</summary>
    Trust,

    /// <summary>A resource-based policy, for example on a cluster.</summary>
    Resource,

    /// <summary>A session policy passed to <c>AssumeRole</c> or <c>GetFederationToken</c>.</summary>
    Session,

    /// <summary>A permissions boundary (a managed policy used as a boundary).</summary>
    PermissionsBoundary,

    /// <summary>An account guardrail with service control policy (SCP) semantics.</summary>
    Guardrail,
}
