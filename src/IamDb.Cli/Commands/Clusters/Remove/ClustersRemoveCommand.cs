using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters.Remove;

/// <summary><c>iamdb clusters remove</c>: deregisters a cluster (the broker revokes its live credentials first).</summary>
internal static class ClustersRemoveCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        using var connection = ServiceConnection.Open(parseResult);
        var response = await context.SpinAsync($"Deregistering {name} (revoking its live credentials)...", () => connection.CallAsync(
            connection.Request(AwsServices.Redshift, "DeregisterCluster").Add("ClusterIdentifier", name), ct));
        if (context.Json)
        {
            var cluster = response.Result.Child("Cluster");
            context.WriteJson(new JsonObject { ["Cluster"] = cluster is null ? null : ClusterOutput.ToJson(RedshiftCluster.FromXml(response, cluster)) });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Deregistered cluster [bold]{name}[/]; its live credentials were revoked.");
        }

        return ExitCodes.Ok;
    }
}
