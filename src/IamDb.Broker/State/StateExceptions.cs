namespace IamDb.Broker.State;

/// <summary>
/// A store outcome that a handler maps to an AWS error. Throwing one aborts the unit of work: nothing
/// it wrote is kept. Messages are AWS's own wording where AWS has one and never include a secret.
/// </summary>
internal abstract class StateException(string message) : Exception(message);

/// <summary>An entity with that name (compared case-insensitively) or identity already exists: AWS's <c>EntityAlreadyExists</c>.</summary>
internal sealed class EntityAlreadyExistsException(string entityKind, string name, string message) : StateException(message)
{
    /// <summary>"User", "Group", "Role", "Policy", "Cluster", …</summary>
    public string EntityKind { get; } = entityKind;

    /// <summary>The name that collided.</summary>
    public string Name { get; } = name;
}

/// <summary>A quota would be exceeded (5 policy versions, 2 access keys): AWS's <c>LimitExceeded</c>.</summary>
internal sealed class StateLimitExceededException(string quota, int limit)
    : StateException($"Cannot exceed quota for {quota}: {limit}.")
{
    /// <summary>AWS's quota name, e.g. <c>VersionsPerPolicy</c>.</summary>
    public string Quota { get; } = quota;

    /// <summary>The limit.</summary>
    public int Limit { get; } = limit;
}

/// <summary>The entity still has dependents (keys, policies, members, versions): AWS's <c>DeleteConflict</c>.</summary>
internal sealed class DeleteConflictException(string message) : StateException(message);

/// <summary>A referenced entity does not exist (for example a membership of a deleted user): AWS's <c>NoSuchEntity</c>.</summary>
internal sealed class NoSuchEntityException(string message) : StateException(message);

/// <summary>A paging marker that this list did not produce: AWS's <c>InvalidInput</c>.</summary>
internal sealed class InvalidMarkerException() : StateException("Invalid Marker.");

/// <summary>The database refused a transaction again and again under contention; the request may be retried.</summary>
internal sealed class StateContentionException(Exception inner)
    : Exception("the state store stayed too busy to complete the request; try again", inner);

/// <summary>
/// The store could not be reached or lost its connection mid-transaction (server down, network cut, timeout). Raised by the
/// SQL store for every such failure, so the pipeline answers AWS's <c>ServiceUnavailable</c> (503, which SDKs retry) in one
/// place. Whether a write whose commit was cut off took effect is unknown; the request was not acknowledged either way.
/// </summary>
internal sealed class StoreUnavailableException(Exception inner)
    : Exception("the state store is unreachable: " + inner.GetType().Name, inner);
