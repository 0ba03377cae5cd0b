using System.Globalization;
using IamDb.Aws.Query;
using IamDb.Aws.Redshift;

namespace IamDb.Broker.Actions.Redshift;

/// <summary>Reads the Redshift name parameters with <see cref="RedshiftNames"/>' rules; each violation names its parameter.</summary>
internal static class RedshiftParameters
{
    /// <summary>AWS's shortest and default credential lifetime.</summary>
    public const int MinDurationSeconds = 900;

    /// <summary>Reads a required <c>ClusterIdentifier</c>.</summary>
    public static string RequiredClusterIdentifier(this QueryParameterReader reader, string name = "ClusterIdentifier")
    {
        var value = reader.RequiredString(name);
        if (reader.Contains(name) && RedshiftNames.CheckClusterIdentifier(value) is { } problem)
        {
            reader.ReportInvalid(name, value, $"{name} {problem}");
        }

        return value;
    }

    /// <summary>Reads an optional <c>ClusterIdentifier</c>.</summary>
    public static string? OptionalClusterIdentifier(this QueryParameterReader reader, string name = "ClusterIdentifier")
    {
        var value = reader.OptionalString(name);
        if (value is not null && RedshiftNames.CheckClusterIdentifier(value) is { } problem)
        {
            reader.ReportInvalid(name, value, $"{name} {problem}");
        }

        return value;
    }

    /// <summary>Reads a required <c>DbUser</c>.</summary>
    public static string RequiredDbUser(this QueryParameterReader reader, string name = "DbUser")
    {
        var value = reader.RequiredString(name);
        if (reader.Contains(name) && RedshiftNames.CheckDbUser(value) is { } problem)
        {
            reader.ReportInvalid(name, value, $"{name} {problem}");
        }

        return value;
    }

    /// <summary>Reads an optional database name (<c>DbName</c>, or <c>DBName</c> for RegisterCluster).</summary>
    public static string? OptionalDbName(this QueryParameterReader reader, string name = "DbName")
    {
        var value = reader.OptionalString(name);
        if (value is not null && RedshiftNames.CheckDbName(value) is { } problem)
        {
            reader.ReportInvalid(name, value, $"{name} {problem}");
        }

        return value;
    }

    /// <summary>
    /// Reads <c>DbGroups.DbGroup.N</c>: empty for an absent list or the empty <c>DbGroups=</c> botocore sends; duplicates
    /// are removed (keeping the first), every entry must be a lower-case group name.
    /// </summary>
    public static IReadOnlyList<string> ReadDbGroups(this QueryParameterReader reader)
    {
        var groups = reader.OptionalStringList("DbGroups", "DbGroup", maxItems: 50) ?? [];
        var result = new List<string>(groups.Count);
        for (var i = 0; i < groups.Count; i++)
        {
            if (RedshiftNames.CheckDbGroup(groups[i]) is { } problem)
            {
                reader.ReportInvalid($"DbGroups.DbGroup.{(i + 1).ToString(CultureInfo.InvariantCulture)}", groups[i], $"DbGroups {problem}");
            }
            else if (!result.Contains(groups[i], StringComparer.Ordinal))
            {
                result.Add(groups[i]);
            }
        }

        return result;
    }

    /// <summary>Reads <c>DurationSeconds</c> (default 900) and checks it against 900..<paramref name="maxSeconds"/>.</summary>
    public static int ReadDurationSeconds(this QueryParameterReader reader, int maxSeconds)
    {
        var text = reader.OptionalString("DurationSeconds");
        if (text is null)
        {
            return MinDurationSeconds;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) ||
            seconds < MinDurationSeconds || seconds > maxSeconds)
        {
            reader.ReportInvalid(
                "DurationSeconds",
                text,
                $"DurationSeconds must be a whole number of seconds between {MinDurationSeconds} and {maxSeconds.ToString(CultureInfo.InvariantCulture)} "
                + $"(default {MinDurationSeconds})");
            return MinDurationSeconds;
        }

        return seconds;
    }

    /// <summary>Refuses <c>CustomDomainName</c>: IamDb clusters have no custom domains; name the cluster instead.</summary>
    public static void RefuseCustomDomain(this QueryParameterReader reader)
    {
        if (reader.OptionalString("CustomDomainName") is { } domain)
        {
            reader.ReportInvalid("CustomDomainName", domain, "IamDb clusters have no custom domain names; send ClusterIdentifier instead");
        }
    }
}
