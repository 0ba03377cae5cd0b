namespace IamDb.Policy.Compilation;

/// <summary>The role a policy plays in an authorization decision; it decides how the policy's statements combine.</summary>
public enum PolicyKind
{
    /// <summary>An identity-based policy: managed or inline, of a user, one of its groups, or a role.</summary>
    Identity,

    /// <summary>A resource-based policy attached to the resource being accessed; its statements name principals.</summary>
    ResourceBased,

    /// <summary>A role trust policy: a resource-based policy on the role that must explicitly allow by itself.</summary>
    TrustPolicy,

    /// <summary>A permissions boundary: caps what identity policies can allow.</summary>
    PermissionsBoundary,

    /// <summary>A session policy (inline or managed) passed when the session was created.</summary>
    Session,

    /// <summary>An account guardrail with service control policy (SCP) semantics: must allow, and its denies win.</summary>
    Guardrail,
}
