using IamDb.Aws.Errors;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:GetSessionToken</c>: temporary credentials with the caller's own permissions, for IAM users and root (root
/// sessions last at most one hour). Needs no permission; refused to callers already using temporary credentials.
/// </summary>
internal sealed class GetSessionTokenHandler(IStateStore store, TimeProvider time, IdentifierGenerator ids) : IActionHandler
{
    private static readonly IReadOnlyList<string> NoPermissionNeeded = ["Allow sts:GetSessionToken: no permission is required"];

    public const int DefaultDurationSeconds = 43_200;
    public const int MaxRootDurationSeconds = 3_600;

    public string Service => "sts";

    public string Action => "GetSessionToken";

    public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = new QueryParameterReader(context.Request.Parameters, QueryValidationStyle.ValidationError);
        var duration = reader.OptionalInt("DurationSeconds", 900, 129_600) ?? DefaultDurationSeconds;
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        var caller = context.Request.Caller;
        if (caller.SessionAccessKeyId is not null)
        {
            throw new AwsErrorException(new AwsError(
                AwsErrorCodes.AccessDenied, "Cannot call GetSessionToken with session credentials", 403));
        }

        if (caller.IsRoot)
        {
            duration = Math.Min(duration, MaxRootDurationSeconds);
        }

        var now = time.GetUtcNow();
        var expiration = StoreTime.Normalize(now.AddSeconds(duration));
        var (keyId, secret, token, hash) = StsCredentials.Issue(ids);
        var session = new StsSession(keyId, caller.AccountId, secret, hash, SessionKind.SessionToken, caller.Arn, now, expiration)
        {
            UserId = caller.IsRoot ? null : caller.UserId,
        };
        await store.WriteAsync((writer, token) => writer.Sessions.CreateAsync(session, token), ct);
        var outcome = new ActionOutcome(xml => StsCredentials.Write(xml, keyId, secret, token, expiration)) { Notes = NoPermissionNeeded };
        return outcome.Recording(("credentials.accessKeyId", keyId), ("credentials.expiration", expiration));
    }
}
