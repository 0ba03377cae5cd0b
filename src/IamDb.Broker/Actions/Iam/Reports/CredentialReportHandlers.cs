using IamDb.Aws.Errors;
using IamDb.Broker.State;

namespace IamDb.Broker.Actions.Iam.Reports;

/// <summary>
/// <c>GenerateCredentialReport</c>: <c>STARTED</c> when it (re)generates the report (none yet, or the last one is
/// older than four hours), <c>COMPLETE</c> while the current one is fresh. Generation is synchronous, so a report
/// is ready as soon as STARTED is answered.
/// </summary>
internal sealed class GenerateCredentialReportHandler(CredentialReportCache reports, IStateStore store, TimeProvider time) : IamActionHandler
{
    public override string Action => "GenerateCredentialReport";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        IamParameters.Reader(context).ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        var account = context.Request.Caller.AccountId;
        var now = time.GetUtcNow();
        var current = reports.Get(account);
        if (current is not null && now - current.GeneratedAt < CredentialReportCache.Lifetime)
        {
            return new ActionOutcome(w => w.WriteString("State", "COMPLETE"));
        }

        var csv = await store.ReadAsync((r, c) => CredentialReportCsv.BuildAsync(r, account, c), ct);
        reports.Set(account, new CredentialReport(now, csv));
        return new ActionOutcome(w =>
        {
            w.WriteString("State", "STARTED");
            w.WriteString("Description", "No report exists. Starting a new report generation task");
        });
    }
}

/// <summary><c>GetCredentialReport</c>: the CSV base64-encoded, its format and generation time.</summary>
internal sealed class GetCredentialReportHandler(CredentialReportCache reports, TimeProvider time) : IamActionHandler
{
    public override string Action => "GetCredentialReport";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        IamParameters.Reader(context).ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        var report = reports.Get(context.Request.Caller.AccountId) ?? throw new AwsErrorException(new AwsError(
            IamErrors.ReportNotPresentCode,
            "The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.",
            410));
        if (time.GetUtcNow() - report.GeneratedAt >= CredentialReportCache.Lifetime)
        {
            throw new AwsErrorException(new AwsError(
                IamErrors.ReportExpiredCode,
                "The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.",
                410));
        }

        return new ActionOutcome(w =>
        {
            w.WriteString("Content", Convert.ToBase64String(report.Csv));
            w.WriteString("ReportFormat", "text/csv");
            w.WriteTimestamp("GeneratedTime", report.GeneratedAt);
        });
    }
}
