namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:GetCallerIdentity</c>: who signed the request. Needs no permission (AWS: "No permissions are required to
/// perform this operation"), even when an explicit deny names it.
/// </summary>
internal sealed class GetCallerIdentityHandler : IActionHandler
{
    private static readonly IReadOnlyList<string> NoPermissionNeeded = ["Allow sts:GetCallerIdentity: no permission is required"];

    public string Service => "sts";

    public string Action => "GetCallerIdentity";

    public ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var caller = context.Request.Caller;
        return ValueTask.FromResult(new ActionOutcome(xml =>
        {
            xml.WriteString("UserId", caller.UserId);
            xml.WriteString("Account", caller.AccountId);
            xml.WriteString("Arn", caller.Arn);
        })
        {
            Notes = NoPermissionNeeded,
        });
    }
}
