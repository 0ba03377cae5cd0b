using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.AccessKeys;

/// <summary>Whose keys an access-key action works on: a named user, or the caller's own user (or root) without <c>UserName</c>.</summary>
internal sealed record AccessKeyOwner(string? UserName, string? UserId, string Arn)
{
    /// <summary>Reads <c>UserName</c> (not yet validated: call after the reader's other reads, before ThrowIfInvalid).</summary>
    public static string? ReadUserName(QueryParameterReader p) => p.OptionalString("UserName", IamParameters.ExistingUserName);

    /// <summary>
    /// The owner's ARN for authorization: the named user's, the calling user's, or the root's. A role session without
    /// <c>UserName</c> is AWS's ValidationError.
    /// </summary>
    public static async Task<string> ArnAsync(ActionContext ctx, string? userName, CancellationToken ct)
    {
        if (userName is null && ctx.Caller.IsRoot)
        {
            return Aws.Arns.Arn.IamRoot(ctx.Caller.AccountId).ToString();
        }

        return await IamEntities.ArnOfAsync(ctx, PrincipalKind.User, userName ?? CallerUserName(ctx), ct);
    }

    /// <summary>Resolves the owner inside a unit of work; NoSuchEntity when the user does not exist.</summary>
    public static async Task<AccessKeyOwner> ResolveAsync(IStateReader r, ActionContext ctx, string? userName, CancellationToken ct)
    {
        if (userName is null && ctx.Caller.IsRoot)
        {
            return new AccessKeyOwner(null, null, Aws.Arns.Arn.IamRoot(ctx.Caller.AccountId).ToString());
        }

        var user = await IamEntities.RequireUserAsync(r, ctx.Caller.AccountId, userName ?? CallerUserName(ctx), ct);
        return new AccessKeyOwner(user.UserName, user.UserId, user.Arn);
    }

    private static string CallerUserName(ActionContext ctx) =>
        ctx.Caller.UserName ?? throw new AwsErrorException(new AwsError(
            AwsErrorCodes.ValidationError, "Must specify userName when calling with non-User credentials", 400));
}
