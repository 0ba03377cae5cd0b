namespace IamDb.Policy.Authorization;

/// <summary>The outcome of an authorization: AWS's three-valued result.</summary>
public enum Decision
{
    /// <summary>The request is allowed (<c>allowed</c> in SimulatePrincipalPolicy).</summary>
    Allow,

    /// <summary>An applicable Deny statement exists (<c>explicitDeny</c>).</summary>
    ExplicitDeny,

    /// <summary>No Deny applies, but some required policy has no applicable Allow (<c>implicitDeny</c>).</summary>
    ImplicitDeny,
}
