using System.Collections.ObjectModel;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions;

/// <summary>
/// One AWS action (for example IAM's <c>CreateUser</c>). Handlers are stateless singletons that get the store, the clock,
/// the id generator and their settings by constructor; the pipeline picks one by (service, action) after authentication.
/// </summary>
internal interface IActionHandler
{
    /// <summary>The signing name of the service: <c>iam</c>, <c>sts</c> or <c>redshift</c>.</summary>
    string Service { get; }

    /// <summary>The action name as sent in <c>Action=</c>.</summary>
    string Action { get; }

    /// <summary>
    /// Validates parameters, authorizes through <see cref="ActionContext.AuthorizeAsync"/>, does the work in one store unit
    /// of work, and returns the outcome. Errors are thrown as <see cref="AwsErrorException"/>; the store's
    /// <see cref="State.StateException"/>s (NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded) may
    /// propagate: the pipeline maps them to AWS's codes.
    /// </summary>
    ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct);
}

/// <summary>
/// A successful action's outcome: the writer of its <c>{Action}Result</c> element and what it contributes to the audit
/// record. The pipeline renders the one and records the other; the handler changes no shared request state.
/// </summary>
/// <param name="WriteResult">Writes the result's children; null for actions whose model has no output shape.</param>
internal sealed record ActionOutcome(Action<QueryXmlWriter>? WriteResult)
{
    private static readonly IReadOnlyDictionary<string, object?> NoElements = ReadOnlyDictionary<string, object?>.Empty;

    /// <summary>The outcome of actions without output (DeleteUser, AttachUserPolicy, …).</summary>
    public static ActionOutcome Empty { get; } = new((Action<QueryXmlWriter>?)null);

    /// <summary>Response elements to record (ids, ARNs, expirations), never secrets.</summary>
    public IReadOnlyDictionary<string, object?> ResponseElements { get; init; } = NoElements;

    /// <summary>Lines for the audit record's decision trace beyond the authorization decisions (what a cluster refused).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// A database credential this request issued. The pipeline writes it in the same store transaction as the request's
    /// audit record, before the response is sent: one durable commit per issuance instead of two.
    /// </summary>
    public IssuedCredential? IssuedCredential { get; init; }

    /// <summary>This outcome with response elements to record; elements without a value are left out.</summary>
    public ActionOutcome Recording(params (string Name, object? Value)[] elements) =>
        this with { ResponseElements = elements.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal) };
}

/// <summary>An AWS error raised by a handler or the pipeline, rendered as AWS's ErrorResponse.</summary>
internal sealed class AwsErrorException(AwsError error) : Exception(error.Message)
{
    public AwsError Error { get; } = error;

    /// <summary>Lines for the audit record's decision trace that explain the error (what a cluster refused).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
