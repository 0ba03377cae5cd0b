using IamDb.Broker.Secrets;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.AccessKeys;

/// <summary>
/// <c>CreateAccessKey</c>: a new AKIA… key for <c>UserName</c>, or for the caller (root without <c>UserName</c> gets a
/// root key). At most two per user. The secret is in the response only, never in the audit record.
/// </summary>
internal sealed class CreateAccessKeyHandler : IamActionHandler
{
    public override string Action => "CreateAccessKey";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var userName = AccessKeyOwner.ReadUserName(p);
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, await AccessKeyOwner.ArnAsync(ctx, userName, ct), ct: ct);

        // Generated outside the unit of work so a retried transaction stores the same key.
        var keyId = ctx.Ids.NewLongTermAccessKeyId();
        var secret = new SecretString(ctx.Ids.NewSecretAccessKey());
        var now = ctx.Time.GetUtcNow();
        var (owner, key) = await ctx.Store.WriteAsync(
            async (w, c) =>
            {
                var owner = await AccessKeyOwner.ResolveAsync(w, ctx, userName, c);
                var key = await w.AccessKeys.CreateAsync(
                    new AccessKey(keyId, ctx.Caller.AccountId, owner.UserId, secret, AccessKeyStatus.Active, now), c);
                return (owner, key);
            },
            ct);
        ctx.Audit.ResponseElements["accessKeyId"] = key.AccessKeyId;
        ctx.Audit.ResponseElements["status"] = "Active";
        return new ActionResult(w => w.WriteStructure("AccessKey", k =>
        {
            k.WriteString("UserName", owner.UserName);
            k.WriteString("AccessKeyId", key.AccessKeyId);
            k.WriteString("Status", key.Status.ToString());
            k.WriteString("SecretAccessKey", key.SecretAccessKey.Reveal());
            k.WriteTimestamp("CreateDate", key.CreatedAt);
        }));
    }
}

/// <summary><c>ListAccessKeys</c>: the metadata (never secrets) of a user's or the caller's keys.</summary>
internal sealed class ListAccessKeysHandler : IamActionHandler
{
    public override string Action => "ListAccessKeys";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var userName = AccessKeyOwner.ReadUserName(p);
        var page = p.ReadPage();
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, await AccessKeyOwner.ArnAsync(ctx, userName, ct), ct: ct);
        var (owner, keys) = await ctx.Store.ReadAsync(
            async (r, c) =>
            {
                var owner = await AccessKeyOwner.ResolveAsync(r, ctx, userName, c);
                return (owner, MemoryPaging.Slice(await r.AccessKeys.ListAsync(ctx.Caller.AccountId, owner.UserId, c), "access-keys", page));
            },
            ct);
        return new ActionResult(w =>
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
internal sealed class AccessKeyChangeHandler(bool delete) : IamActionHandler
{
    public override string Action => delete ? "DeleteAccessKey" : "UpdateAccessKey";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var userName = AccessKeyOwner.ReadUserName(p);
        var keyId = p.RequiredString("AccessKeyId", IamParameters.AccessKeyId);
        var status = delete ? null : p.RequiredEnum("Status", "Active", "Inactive");
        p.ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, await AccessKeyOwner.ArnAsync(ctx, userName, ct), ct: ct);
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                var owner = await AccessKeyOwner.ResolveAsync(w, ctx, userName, c);
                var key = await w.AccessKeys.GetAsync(keyId, c);
                if (key is null || key.AccountId != ctx.Caller.AccountId || key.UserId != owner.UserId)
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
        ctx.KeyCache?.Invalidate(keyId);
        return ActionResult.Empty;
    }
}

/// <summary><c>GetAccessKeyLastUsed</c>: when, where and with which service a key was last used (<c>N/A</c> when never).</summary>
internal sealed class GetAccessKeyLastUsedHandler : IamActionHandler
{
    public override string Action => "GetAccessKeyLastUsed";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var keyId = p.RequiredString("AccessKeyId", IamParameters.AccessKeyId);
        p.ThrowIfInvalid();
        var account = ctx.Caller.AccountId;
        var (key, user) = await ctx.Store.ReadAsync(
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
        await ctx.AuthorizeAsync(Permission, resource, ct: ct);
        if (key is null)
        {
            throw IamErrors.NoSuchAccessKey(keyId);
        }

        return new ActionResult(w =>
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
