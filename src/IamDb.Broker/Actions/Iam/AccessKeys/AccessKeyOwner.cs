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
    public static string? ReadUserName(QueryParameterReader reader) => reader.OptionalString("UserName", IamParameters.ExistingUserName);

    /// <summary>
    /// The owner's ARN for authorization: the named user's, the calling user's, or the root's. A role session without
    /// <c>UserName</c> is AWS's ValidationError.
    /// </summary>
    public static async Task<string> ArnAsync(IStateStore store, ActionContext context, string? userName, CancellationToken ct)
    {
        if (userName is null && context.Request.Caller.IsRoot)
        {
            return Aws.Arns.Arn.IamRoot(context.Request.Caller.AccountId).ToString();
        }

        return await IamEntities.ArnOfAsync(store, context, PrincipalKind.User, userName ?? CallerUserName(context), ct);
    }

    /// <summary>Resolves the owner inside a unit of work; NoSuchEntity when the user does not exist.</summary>
    public static async Task<AccessKeyOwner> ResolveAsync(IStateReader r, ActionContext context, string? userName, CancellationToken ct)
    {
        if (userName is null && context.Request.Caller.IsRoot)
        {
            return new AccessKeyOwner(null, null, Aws.Arns.Arn.IamRoot(context.Request.Caller.AccountId).ToString());
        }

        var user = await IamEntities.RequireUserAsync(r, context.Request.Caller.AccountId, userName ?? CallerUserName(context), ct);
        return new AccessKeyOwner(user.UserName, user.UserId, user.Arn);
    }

    private static string CallerUserName(ActionContext context) =>
        context.Request.Caller.UserName ?? throw new AwsErrorException(new AwsError(
            AwsErrorCodes.ValidationError, "Must specify userName when calling with non-User credentials", 400));
}
