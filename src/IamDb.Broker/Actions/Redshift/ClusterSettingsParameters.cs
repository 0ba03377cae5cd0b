using System.Globalization;
using IamDb.Aws.Query;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>
/// The security settings <c>RegisterCluster</c> and <c>UpdateCluster</c> take. Each is null when its parameter was not
/// sent. <see cref="SslRootCertificate"/> is <c>""</c> when sent empty (UpdateCluster: remove the stored one).
/// </summary>
internal sealed record ClusterSettingsInput(string? SslMode, string? SslRootCertificate, IReadOnlyList<string>? AllowedDbGroups, bool? AllowPrivilegedDbUsers)
{
    /// <summary>True when the admin connection changes (mode or root), so it must be tested before it is stored.</summary>
    public bool ChangesTls => SslMode is not null || SslRootCertificate is not null;

    public bool IsEmpty => ChangesTls is false && AllowedDbGroups is null && AllowPrivilegedDbUsers is null;

    /// <summary>
    /// <paramref name="cluster"/> with these settings applied. Without an explicit mode, a cluster that gets a root
    /// certificate is verified with it (<c>verify-full</c>); otherwise the mode it had (or its host's default) stays.
    /// </summary>
    public RedshiftCluster ApplyTo(RedshiftCluster cluster)
    {
        var root = SslRootCertificate is null ? cluster.SslRootCertificate : SslRootCertificate.Length == 0 ? null : SslRootCertificate;
        var mode = SslMode ?? (SslRootCertificate is { Length: > 0 } ? ClusterSslModes.VerifyFull : cluster.SslMode);
        if (mode == ClusterSslModes.Require && root is not null)
        {
            throw new AwsErrorException(RedshiftErrors.InvalidCombination(
                "SslRootCertificate is only used by SslMode verify-ca and verify-full; with require the server's certificate is not checked. "
                + (SslRootCertificate is { Length: > 0 }
                    ? "Choose SslMode=verify-full (or verify-ca), or leave SslRootCertificate out."
                    : "Choose SslMode=verify-full (or verify-ca), or remove the registered certificate with an empty SslRootCertificate.")));
        }

        return cluster with
        {
            SslMode = mode,
            SslRootCertificate = root,
            AllowedDbGroups = AllowedDbGroups ?? cluster.AllowedDbGroups,
            AllowPrivilegedDbUsers = AllowPrivilegedDbUsers ?? cluster.AllowPrivilegedDbUsers,
        };
    }
}

/// <summary>Reads <see cref="ClusterSettingsInput"/>; every problem is an <c>InvalidParameterValue</c> naming its parameter.</summary>
internal static class ClusterSettingsParameters
{
    // A bundle of a few dozen PEM certificates fits; the request body limit bounds it anyway.
    private static readonly StringConstraints RootCertificate = new(0, 200_000);

    public static ClusterSettingsInput ReadClusterSettings(this QueryParameterReader reader)
    {
        var modeText = reader.OptionalString("SslMode");
        string? mode = null;
        if (modeText is not null)
        {
            mode = ClusterSslModes.Normalize(modeText);
            if (mode is null)
            {
                reader.ReportInvalid(
                    "SslMode", modeText, "SslMode must be require, verify-ca or verify-full (IamDb never logs in to a cluster without TLS)");
            }
        }

        var root = reader.OptionalString("SslRootCertificate", RootCertificate);
        if (root is { Length: > 0 } && ClusterRootCertificates.Check(root) is { } rootProblem)
        {
            // The value is not echoed: it is long, and not useful in an error.
            reader.ReportInvalid(
                "SslRootCertificate", null, $"SslRootCertificate must be one or more PEM X.509 certificates: {rootProblem}");
        }

        IReadOnlyList<string>? groups = null;
        if (reader.OptionalStringList("AllowedDbGroups", maxItems: DbGroupPatterns.MaxPatterns) is { } list)
        {
            var distinct = new List<string>(list.Count);
            for (var i = 0; i < list.Count; i++)
            {
                if (DbGroupPatterns.Check(list[i]) is { } problem)
                {
                    reader.ReportInvalid(
                        $"AllowedDbGroups.member.{(i + 1).ToString(CultureInfo.InvariantCulture)}", list[i], $"AllowedDbGroups entries {problem}");
                }
                else if (!distinct.Contains(list[i], StringComparer.Ordinal))
                {
                    distinct.Add(list[i]);
                }
            }

            groups = distinct;
        }

        var privileged = reader.OptionalBool("AllowPrivilegedDbUsers");
        return new ClusterSettingsInput(mode, root, groups, privileged);
    }
}
