using IamDb.Aws.Identifiers;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.AccessKeys;

/// <summary>
/// <c>CreateAccessKey</c>: a new AKIA… key for <c>UserName</c>, or for the caller (root without <c>UserName</c> gets a
/// root key). At most two per user. The secret is in the response only, never in the audit record.
/// </summary>
internal sealed class CreateAccessKeyHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IamActionHandler
{
    public override string Action => "CreateAccessKey";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var userName = AccessKeyOwner.ReadUserName(reader);
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, await AccessKeyOwner.ArnAsync(store, context, userName, ct), ct: ct);

        // Generated outside the unit of work so a retried transaction stores the same key.
        var keyId = ids.NewLongTermAccessKeyId();
        var secret = new SecretString(ids.NewSecretAccessKey());
        var now = time.GetUtcNow();
        var (owner, key) = await store.WriteAsync(
            async (w, c) =>
            {
                var owner = await AccessKeyOwner.ResolveAsync(w, context, userName, c);
                var key = await w.AccessKeys.CreateAsync(
                    new AccessKey(keyId, context.Request.Caller.AccountId, owner.UserId, secret, AccessKeyStatus.Active, now), c);
                return (owner, key);
            },
            ct);
        return new ActionOutcome(w => w.WriteStructure("AccessKey", k =>
        {
            k.WriteString("UserName", owner.UserName);
            k.WriteString("AccessKeyId", key.AccessKeyId);
            k.WriteString("Status", key.Status.ToString());
            k.WriteString("SecretAccessKey", key.SecretAccessKey.Reveal());
            k.WriteTimestamp("CreateDate", key.CreatedAt);
        })).Recording(("accessKeyId", key.AccessKeyId), ("status", "Active"));
    }
}

/// <summary><c>ListAccessKeys</c>: the metadata (never secrets) of a user's or the caller's keys.</summary>
internal sealed class ListAccessKeysHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "ListAccessKeys";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var userName = AccessKeyOwner.ReadUserName(reader);
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, await AccessKeyOwner.ArnAsync(store, context, userName, ct), ct: ct);
        var (owner, keys) = await store.ReadAsync(
            async (r, c) =>
            {
                var owner = await AccessKeyOwner.ResolveAsync(r, context, userName, c);
                return (owner, MemoryPaging.Slice(await r.AccessKeys.ListAsync(context.Request.Caller.AccountId, owner.UserId, c), "access-keys", page));
            },
            ct);
        return new ActionOutcome(w =>
        {
            w.WriteList("AccessKeyMetadata", keys.Items, (m, key) =>
            {
                m.WriteString("UserName", owner.UserName);
                m.WriteString("AccessKeyId", key.AccessKeyId);
                m.WriteString("Status", key.Status.ToString());
                m.WriteTimestamp("CreateDate", key.CreatedAt);
            });
            IamXml.WritePaging(w, keys);
        });
    }
}

/// <summary><c>UpdateAccessKey</c> (Status Active/Inactive) and <c>DeleteAccessKey</c> on a key of the user or caller.</summary>
internal sealed class AccessKeyChangeHandler(bool delete, IStateStore store, IAccessKeyCache? keyCache = null) : IamActionHandler
{
    public override string Action => delete ? "DeleteAccessKey" : "UpdateAccessKey";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var userName = AccessKeyOwner.ReadUserName(reader);
        var keyId = reader.RequiredString("AccessKeyId", IamParameters.AccessKeyId);
        var status = delete ? null : reader.RequiredEnum("Status", "Active", "Inactive");
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, await AccessKeyOwner.ArnAsync(store, context, userName, ct), ct: ct);
        await store.WriteAsync(
            async (w, c) =>
            {
                var owner = await AccessKeyOwner.ResolveAsync(w, context, userName, c);
                var key = await w.AccessKeys.GetAsync(keyId, c);
                if (key is null || key.AccountId != context.Request.Caller.AccountId || key.UserId != owner.UserId)
                {
                    throw IamErrors.NoSuchAccessKey(keyId);
                }

                if (delete)
                {
                    await w.AccessKeys.DeleteAsync(keyId, c);
                }
                else
                {
                    await w.AccessKeys.SetStatusAsync(keyId, Enum.Parse<AccessKeyStatus>(status!), c);
                }
            },
            ct);

        // After the commit: a deactivated or deleted key must stop working at once on this node.
        keyCache?.Invalidate(keyId);
        return ActionOutcome.Empty;
    }
}

/// <summary><c>GetAccessKeyLastUsed</c>: when, where and with which service a key was last used (<c>N/A</c> when never).</summary>
internal sealed class GetAccessKeyLastUsedHandler(IStateStore store) : IamActionHandler
{
    public override string Action => "GetAccessKeyLastUsed";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var keyId = reader.RequiredString("AccessKeyId", IamParameters.AccessKeyId);
        reader.ThrowIfInvalid();
        var account = context.Request.Caller.AccountId;
        var (key, user) = await store.ReadAsync(
            async (r, c) =>
            {
                var key = await r.AccessKeys.GetAsync(keyId, c);
                if (key is null || key.AccountId != account)
                {
                    return ((AccessKey?)null, (IamUser?)null);
                }

                return (key, key.UserId is null ? null : await r.Users.GetByIdAsync(key.UserId, c));
            },
            ct);
        var resource = key is null ? IamEntities.AnyResource : user?.Arn ?? Aws.Arns.Arn.IamRoot(account).ToString();
        await context.AuthorizeAsync(Permission, resource, ct: ct);
        if (key is null)
        {
            throw IamErrors.NoSuchAccessKey(keyId);
        }

        return new ActionOutcome(w =>
        {
            w.WriteString("UserName", user?.UserName);
            w.WriteStructure("AccessKeyLastUsed", u =>
            {
                u.WriteTimestamp("LastUsedDate", key.LastUsedAt);
                u.WriteString("ServiceName", key.LastUsedService ?? "N/A");
                u.WriteString("Region", key.LastUsedRegion ?? "N/A");
            });
        });
    }
}
