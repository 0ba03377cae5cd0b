using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using IamDb.Aws.Arns;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Reports;

/// <summary>A generated credential report: when, and the CSV bytes.</summary>
internal sealed record CredentialReport(DateTimeOffset GeneratedAt, byte[] Csv);

/// <summary>
/// The latest credential report per account, kept in the broker process. AWS keeps a report for four hours; a newer
/// one is generated on request after that.
/// </summary>
/// <remarks>
/// Held in memory, not in the state store: a restarted broker (or another node on a shared store) has no report
/// and answers <c>ReportNotPresent</c> until <c>GenerateCredentialReport</c> runs there, which is what clients already do.
/// </remarks>
internal sealed class CredentialReportCache
{
    /// <summary>How long a report is served before it expires (AWS: four hours).</summary>
    public static TimeSpan Lifetime { get; } = TimeSpan.FromHours(4);

    private readonly ConcurrentDictionary<string, CredentialReport> _reports = new(StringComparer.Ordinal);

    public CredentialReport? Get(string accountId) => _reports.GetValueOrDefault(accountId);

    public void Set(string accountId, CredentialReport report) => _reports[accountId] = report;
}

/// <summary>The CSV of AWS's credential report, column for column.</summary>
internal static class CredentialReportCsv
{
    /// <summary>AWS's header row.</summary>
    public const string Header =
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,"
        + "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
        + "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,"
        + "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    private const string NotApplicable = "N/A";

    /// <summary>Builds the report for every user of the account plus the root row, from one store snapshot.</summary>
    public static async Task<byte[]> BuildAsync(IStateReader r, string accountId, CancellationToken ct)
    {
        var csv = new StringBuilder(Header).Append('\n');
        var rootKeys = await r.AccessKeys.ListAsync(accountId, null, ct);
        var rootCreated = rootKeys.Count > 0 ? Time(rootKeys.Min(k => k.CreatedAt)) : NotApplicable;

        // IamDb has no console passwords, MFA devices or signing certificates: those columns are AWS's "none" values.
        AppendRow(csv, "<root_account>", Arn.IamRoot(accountId).ToString(), rootCreated, "not_supported", NotApplicable, "not_supported", "not_supported", rootKeys);
        foreach (var user in await Pages.ReadAllAsync(p => r.Users.ListAsync(accountId, null, p, ct)))
        {
            var keys = await r.AccessKeys.ListAsync(accountId, user.UserId, ct);
            AppendRow(csv, user.UserName, user.Arn, Time(user.CreatedAt), "false", NotApplicable, NotApplicable, NotApplicable, keys);
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    /// <summary>AWS's report timestamps: ISO 8601 in UTC with an explicit offset, <c>2026-11-24T02:39:32+00:00</c>.</summary>
    public static string Time(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    private static void AppendRow(
        StringBuilder csv,
        string user,
        string arn,
        string created,
        string passwordEnabled,
        string passwordLastUsed,
        string passwordLastChanged,
        string passwordNextRotation,
        IReadOnlyList<AccessKey> keys)
    {
        var fields = new List<string> { user, arn, created, passwordEnabled, passwordLastUsed, passwordLastChanged, passwordNextRotation, "false" };
        var ordered = keys.OrderBy(k => k.CreatedAt).ThenBy(k => k.AccessKeyId, StringComparer.Ordinal).ToList();
        for (var i = 0; i < 2; i++)
        {
            if (i < ordered.Count)
            {
                var key = ordered[i];
                fields.Add(key.Status == AccessKeyStatus.Active ? "true" : "false");
                fields.Add(Time(key.CreatedAt));
                fields.Add(key.LastUsedAt is { } used ? Time(used) : NotApplicable);
                fields.Add(key.LastUsedRegion ?? NotApplicable);
                fields.Add(key.LastUsedService ?? NotApplicable);
            }
            else
            {
                fields.AddRange(["false", NotApplicable, NotApplicable, NotApplicable, NotApplicable]);
            }
        }

        fields.AddRange(["false", NotApplicable, "false", NotApplicable]);
        csv.AppendJoin(',', fields.Select(Quote)).Append('\n');
    }

    // IAM names may contain commas; RFC 4180 quoting keeps the columns aligned.
    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
