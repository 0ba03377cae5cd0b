namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:GetCallerIdentity</c>: who signed the request. Needs no permission (AWS: "No permissions are required to
/// perform this operation"), even when an explicit deny names it.
/// </summary>
internal sealed class GetCallerIdentityHandler : IActionHandler
{
    public string Service => "sts";

    public string Action => "GetCallerIdentity";

    public ValueTask<ActionResult> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var caller = context.Caller;
        context.Audit.Decisions.Add("Allow sts:GetCallerIdentity: no permission is required");
        return ValueTask.FromResult(new ActionResult(xml =>
        {
            xml.WriteString("UserId", caller.UserId);
            xml.WriteString("Account", caller.AccountId);
            xml.WriteString("Arn", caller.Arn);
        }));
    }
}
