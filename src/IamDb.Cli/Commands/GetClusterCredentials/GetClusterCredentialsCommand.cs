using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Redshift;

namespace IamDb.Cli.Commands.GetClusterCredentials;

/// <summary>Fetches one set of temporary credentials and prints them in the aws CLI's shape.</summary>
internal static class GetClusterCredentialsCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        using var connection = ServiceConnection.Open(parseResult);
        var request = BuildRequest(parseResult, connection);
        var credentials = await connection.Redshift.GetClusterCredentialsAsync(request, ct);
        context.WriteJson(ToJson(credentials));
        return ExitCodes.Ok;
    }

    /// <summary>The request from the options, filled in from the <c>--env</c> environment.</summary>
    internal static GetClusterCredentialsRequest BuildRequest(ParseResult parseResult, ServiceConnection connection)
    {
        var env = connection.Environment;
        var cluster = parseResult.GetValue(GetClusterCredentialsCommandDefinition.ClusterIdentifierOption) ?? env?.Cluster;
        var dbUser = parseResult.GetValue(GetClusterCredentialsCommandDefinition.DbUserOption) ?? env?.DbUser;
        if (cluster is null || dbUser is null)
        {
            throw new CliUsageException("say which credentials: --cluster-identifier C --db-user U, or --env NAME (see `iamdb env list`).");
        }

        var duration = parseResult.GetValue(GetClusterCredentialsCommandDefinition.DurationSecondsOption) ?? env?.DurationSeconds;
        if (duration is < 900 or > 3600)
        {
            throw new CliUsageException($"--duration-seconds must be from 900 to 3600, not {duration}.");
        }

        var autoCreate = parseResult.GetValue(GetClusterCredentialsCommandDefinition.NoAutoCreateOption)
            ? false
            : parseResult.GetValue(GetClusterCredentialsCommandDefinition.AutoCreateOption) || (env?.AutoCreate ?? false);
        var groups = parseResult.GetValue(GetClusterCredentialsCommandDefinition.DbGroupsOption) is { Length: > 0 } given ? given : env?.DbGroups;
        return new GetClusterCredentialsRequest
        {
            ClusterIdentifier = cluster,
            DbUser = dbUser,
            DbName = parseResult.GetValue(GetClusterCredentialsCommandDefinition.DbNameOption) ?? env?.DbName,
            DurationSeconds = duration,
            AutoCreate = autoCreate ? true : null,
            DbGroups = groups is { Count: > 0 } ? groups : null,
        };
    }

    /// <summary>
    /// The aws CLI v2's JSON for a credential: its members in the API's order (DbUser, DbPassword, Expiration) and
    /// <c>Expiration</c> as its default <c>iso8601</c> timestamp format prints it (Python's <c>isoformat()</c>).
    /// </summary>
    internal static JsonObject ToJson(ClusterCredentials credentials) => new()
    {
        ["DbUser"] = credentials.DbUser,
        ["DbPassword"] = credentials.DbPassword,
        ["Expiration"] = AwsCliTimestamp(credentials.Expiration),
    };

    /// <summary>
    /// <c>2026-12-07T17:45:00+00:00</c>, or <c>2026-12-07T17:45:00.123000+00:00</c> when there are fractional seconds
    /// (microseconds, six digits): what aws CLI v2 prints for the broker's millisecond timestamps.
    /// </summary>
    internal static string AwsCliTimestamp(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return utc.ToString(utc.Ticks % TimeSpan.TicksPerSecond / 10 == 0 ? "yyyy-MM-dd'T'HH:mm:ss'+00:00'" : "yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);
    }
}
