namespace IamDb.Broker.State.Notifications;

/// <summary>What a change announced by the store is about.</summary>
internal enum StateChangeKind
{
    /// <summary>An access key was deactivated, reactivated, re-keyed or deleted; <see cref="StateChange.Id"/> is its id.</summary>
    AccessKey,

    /// <summary>An STS session was deleted before its expiry; <see cref="StateChange.Id"/> is its access key id.</summary>
    Session,

    /// <summary>A user was renamed, moved or deleted; <see cref="StateChange.Id"/> is its user id.</summary>
    User,

    /// <summary>An issued credential was revoked; <see cref="StateChange.Id"/> is its request id.</summary>
    Credential,

    /// <summary>Rows of a table without finer announcements changed; <see cref="StateChange.Id"/> is the table's name.</summary>
    Table,
}

/// <summary>One announcement from the store's <c>iamdb_changes</c> channel (payload <c>kind:id</c>; ids only, never a secret).</summary>
internal readonly record struct StateChange(StateChangeKind Kind, string Id)
{
    /// <summary>Reads a payload written by the store's triggers; false for one this version does not know (a newer node's).</summary>
    public static bool TryParse(string payload, out StateChange change)
    {
        change = default;
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == payload.Length - 1)
        {
            return false;
        }

        StateChangeKind? kind = payload[..colon] switch
        {
            "access_key" => StateChangeKind.AccessKey,
            "session" => StateChangeKind.Session,
            "user" => StateChangeKind.User,
            "credential" => StateChangeKind.Credential,
            "table" => StateChangeKind.Table,
            _ => null,
        };
        if (kind is null)
        {
            return false;
        }

        change = new StateChange(kind.Value, payload[(colon + 1)..]);
        return true;
    }
}
