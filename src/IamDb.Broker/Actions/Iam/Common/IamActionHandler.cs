namespace IamDb.Broker.Actions.Iam;

/// <summary>Base of the IAM handlers: the service name and the action name, nothing else shared.</summary>
internal abstract class IamActionHandler : IActionHandler
{
    public string Service => "iam";

    public abstract string Action { get; }

    public abstract ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct);

    /// <summary>The IAM authorization action for this handler, e.g. <c>iam:CreateUser</c>.</summary>
    protected string Permission => "iam:" + Action;
}
