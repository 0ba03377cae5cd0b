using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters.Update;

/// <summary><c>iamdb clusters update</c>: changes a registered cluster's security settings or admin password.</summary>
internal static class ClustersUpdateCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "UpdateCluster").Add("ClusterIdentifier", name);
        var changes = ClusterSecuritySettings.Add(parseResult, request, update: true);
        if (parseResult.GetValue(ClustersUpdateCommandDefinition.AdminPasswordEnvOption) is { } variable)
        {
            var password = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(password))
            {
                throw new CliUsageException($"the environment variable {variable} (named by --admin-password-env) is not set or empty; export the new admin password in it.");
            }

            request.Add("MasterUserPassword", password);
            changes++;
        }

        if (changes == 0)
        {
            throw new CliUsageException(
                "nothing to update: give --ssl-mode, --ssl-root-cert, --no-ssl-root-cert, --allowed-db-groups, --allow-privileged-db-users or --admin-password-env.");
        }

        var response = await context.SpinAsync($"Updating {name} (the broker tests a changed connection first)...", () => connection.CallAsync(request, ct));
        var cluster = RedshiftCluster.FromXml(response, response.Result.Child("Cluster") ?? throw new InvalidDataException("UpdateCluster answered without Cluster."));
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Cluster"] = ClusterOutput.ToJson(cluster) });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Updated cluster [bold]{cluster.ClusterIdentifier}[/]: TLS {cluster.SslMode ?? "?"}, allowed groups {ClusterOutput.Groups(cluster)}, privileged users {(cluster.AllowPrivilegedDbUsers == true ? "allowed" : "refused")}.");
        }

        return ExitCodes.Ok;
    }
}
