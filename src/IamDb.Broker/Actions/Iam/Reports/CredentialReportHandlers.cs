using IamDb.Aws.Errors;

namespace IamDb.Broker.Actions.Iam.Reports;

/// <summary>
/// <c>GenerateCredentialReport</c>: <c>STARTED</c> when it (re)generates the report (none yet, or the last one is
/// older than four hours), <c>COMPLETE</c> while the current one is fresh. Generation is synchronous, so a report
/// is ready as soon as STARTED is answered.
/// </summary>
internal sealed class GenerateCredentialReportHandler(CredentialReportCache reports) : IamActionHandler
{
    public override string Action => "GenerateCredentialReport";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        IamParameters.Reader(ctx).ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        var account = ctx.Caller.AccountId;
        var now = ctx.Time.GetUtcNow();
        var current = reports.Get(account);
        if (current is not null && now - current.GeneratedAt < CredentialReportCache.Lifetime)
        {
            return new ActionResult(w => w.WriteString("State", "COMPLETE"));
        }

        var csv = await ctx.Store.ReadAsync((r, c) => CredentialReportCsv.BuildAsync(r, account, c), ct);
        reports.Set(account, new CredentialReport(now, csv));
        return new ActionResult(w =>
        {
            w.WriteString("State", "STARTED");
            w.WriteString("Description", "No report exists. Starting a new report generation task");
        });
    }
}

/// <summary><c>GetCredentialReport</c>: the CSV base64-encoded, its format and generation time.</summary>
internal sealed class GetCredentialReportHandler(CredentialReportCache reports) : IamActionHandler
{
    public override string Action => "GetCredentialReport";

    public override async ValueTask<ActionResult> HandleAsync(ActionContext ctx, CancellationToken ct)
    {
        IamParameters.Reader(ctx).ThrowIfInvalid();
        await ctx.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        var report = reports.Get(ctx.Caller.AccountId) ?? throw new AwsErrorException(new AwsError(
            IamErrors.ReportNotPresentCode,
            "The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.",
            410));
        if (ctx.Time.GetUtcNow() - report.GeneratedAt >= CredentialReportCache.Lifetime)
        {
            throw new AwsErrorException(new AwsError(
                IamErrors.ReportExpiredCode,
                "The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport.",
                410));
        }

        return new ActionResult(w =>
        {
            w.WriteString("Content", Convert.ToBase64String(report.Csv));
            w.WriteString("ReportFormat", "text/csv");
            w.WriteTimestamp("GeneratedTime", report.GeneratedAt);
        });
    }
}
