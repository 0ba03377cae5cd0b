using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Attachments;

/// <summary>
/// <c>PutUserPermissionsBoundary</c>/<c>DeleteUserPermissionsBoundary</c> and the Role forms. The boundary must be an
/// existing managed policy of the account.
/// </summary>
internal sealed class PermissionsBoundaryHandler(PrincipalKind kind, bool put) : IamActionHandler
{
    public override string Action => $"{(put ? "Put" : "Delete")}{kind}PermissionsBoundary";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        var p = IamParameters.Reader(ctx);
        var name = p.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind, existingUserName: false));
        var boundary = put ? p.RequiredString("PermissionsBoundary", IamParameters.Arn) : null;
        p.ThrowIfInvalid();
        if (boundary is not null)
        {
            IamEntities.RequirePolicyArn(boundary);
        }

        await IamEntities.AuthorizeOnAsync(ctx, Action, kind, name, ct);
        var account = ctx.Caller.AccountId;
        await ctx.Store.ExecuteAsync(
            async (w, c) =>
            {
                if (boundary is not null && await w.Policies.GetAsync(boundary, c) is null)
                {
                    throw IamErrors.PolicyNotAttachable(boundary);
                }

                if (kind == PrincipalKind.User)
                {
                    var user = await IamEntities.RequireUserAsync(w, account, name, c);
                    await w.Users.UpdateAsync(user with { PermissionsBoundaryArn = boundary }, c);
                }
                else
                {
                    var role = await IamEntities.RequireRoleAsync(w, account, name, c);
                    await w.Roles.UpdateAsync(role with { PermissionsBoundaryArn = boundary }, c);
                }
            },
            ct);
        return ActionResult.Empty;
    }
}
