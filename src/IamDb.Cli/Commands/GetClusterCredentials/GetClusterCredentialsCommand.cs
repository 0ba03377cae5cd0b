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

    /// <summary>The aws CLI's JSON for a credential (ISO 8601 with an offset, as its default timestamp format).</summary>
    internal static JsonObject ToJson(ClusterCredentials credentials) => new()
    {
        ["DbUser"] = credentials.DbUser,
        ["Expiration"] = credentials.Expiration.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture),
        ["DbPassword"] = credentials.DbPassword,
    };
}
