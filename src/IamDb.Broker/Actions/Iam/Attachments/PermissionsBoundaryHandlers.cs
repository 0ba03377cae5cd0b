using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Attachments;

/// <summary>
/// <c>PutUserPermissionsBoundary</c>/<c>DeleteUserPermissionsBoundary</c> and the Role forms. The boundary must be an
/// existing managed policy of the account.
/// </summary>
internal sealed class PermissionsBoundaryHandler(PrincipalKind kind, bool put, IStateStore store) : IamActionHandler
{
    public override string Action => $"{(put ? "Put" : "Delete")}{kind}PermissionsBoundary";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var name = reader.RequiredString(IamEntities.NameParameter(kind), IamEntities.NameConstraints(kind, existingUserName: false));
        var boundary = put ? reader.RequiredString("PermissionsBoundary", IamParameters.Arn) : null;
        reader.ThrowIfInvalid();
        if (boundary is not null)
        {
            IamEntities.RequirePolicyArn(boundary);
        }

        await IamEntities.AuthorizeOnAsync(store, context, Action, kind, name, ct);
        var account = context.Request.Caller.AccountId;
        await store.WriteAsync(
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
        return ActionOutcome.Empty;
    }
}
