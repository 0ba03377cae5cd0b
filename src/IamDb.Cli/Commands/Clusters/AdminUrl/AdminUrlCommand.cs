using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Output;
using IamDb.Postgres.LocalServer;

namespace IamDb.Cli.Commands.Clusters.AdminUrl;

/// <summary>Reads what the running <c>iamdb up</c> wrote for its local cluster and prints the URI (no password in it).</summary>
internal static class AdminUrlCommand
{
    public static Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(AdminUrlCommandDefinition.NameArgument);
        if (!string.Equals(name, "local", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliUsageException(
                $"only the local cluster that iamdb up runs has an admin URL, not '{name}'; a registered server is administered with its own admin login.");
        }

        var dataDir = Path.GetFullPath(parseResult.GetValue(AdminUrlCommandDefinition.DataDirOption) ?? new IamDb.Broker.Hosting.BrokerOptions().DataDirectory);
        var database = parseResult.GetRequiredValue(AdminUrlCommandDefinition.DatabaseOption);
        string? uri;
        try
        {
            uri = LocalAdminAccess.Uri(dataDir, database);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CliUsageException($"cannot read the local cluster's admin access in {dataDir}: {ex.Message} Only the owner of the data directory can use it.");
        }

        if (uri is null)
        {
            throw new CliUsageException(
                $"no local cluster runs with data directory {dataDir}: start it with iamdb up --data-dir {dataDir} (the admin URL works while it runs).");
        }

        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["ClusterIdentifier"] = "local", ["Url"] = uri });
        }
        else
        {
            // Plain stdout, no markup or wrapping: the line is meant for psql "$(...)".
            context.Output.WriteLine(uri);
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}
