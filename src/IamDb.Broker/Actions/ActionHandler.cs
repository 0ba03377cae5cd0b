using IamDb.Aws.Errors;
using IamDb.Aws.Query;

namespace IamDb.Broker.Actions;

/// <summary>
/// One AWS action (for example IAM's <c>CreateUser</c>). Handlers are stateless singletons registered in DI;
/// the pipeline picks one by (service, action) after authentication.
/// </summary>
internal interface IActionHandler
{
    /// <summary>The signing name of the service: <c>iam</c>, <c>sts</c> or <c>redshift</c>.</summary>
    string Service { get; }

    /// <summary>The action name as sent in <c>Action=</c>.</summary>
    string Action { get; }

    /// <summary>
    /// Validates parameters, authorizes through <see cref="ActionContext.AuthorizeAsync"/>, does the work in one
    /// store unit of work, and returns the result writer. Errors are thrown as <see cref="AwsErrorException"/>;
    /// the store's <see cref="State.StateException"/>s (NoSuchEntity, EntityAlreadyExists, DeleteConflict,
    /// LimitExceeded) may propagate: the pipeline maps them to AWS's codes.
    /// </summary>
    ValueTask<ActionResult> HandleAsync(ActionContext context, CancellationToken ct);
}

/// <summary>A successful action's response: a writer for the <c>{Action}Result</c> element, or none for actions without output.</summary>
/// <param name="WriteResult">Writes the result's children; null for actions whose model has no output shape.</param>
internal sealed record ActionResult(Action<QueryXmlWriter>? WriteResult)
{
    /// <summary>The response of actions without output (DeleteUser, AttachUserPolicy, …).</summary>
    public static ActionResult Empty { get; } = new((Action<QueryXmlWriter>?)null);
}

/// <summary>An AWS error raised by a handler or the pipeline, rendered as AWS's ErrorResponse.</summary>
internal sealed class AwsErrorException(AwsError error) : Exception(error.Message)
{
    public AwsError Error { get; } = error;
}
