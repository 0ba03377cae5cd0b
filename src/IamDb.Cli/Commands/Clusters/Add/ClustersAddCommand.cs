using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Commands.Clusters;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters.Add;

/// <summary><c>iamdb clusters add</c>: registers a PostgreSQL server as a cluster on the broker.</summary>
internal static class ClustersAddCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        var variable = parseResult.GetRequiredValue(ClustersAddCommandDefinition.AdminPasswordEnvOption);
        var password = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(password))
        {
            throw new CliUsageException($"the environment variable {variable} (named by --admin-password-env) is not set or empty; export the admin password in it.");
        }

        var port = parseResult.GetValue(ClustersAddCommandDefinition.PortOption);
        if (port is < 1 or > 65535)
        {
            throw new CliUsageException($"--port must be from 1 to 65535, not {port}.");
        }

        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "RegisterCluster")
            .Add("ClusterIdentifier", name)
            .Add("Host", parseResult.GetRequiredValue(ClustersAddCommandDefinition.HostOption))
            .Add("Port", port)
            .Add("DBName", parseResult.GetRequiredValue(ClustersAddCommandDefinition.DatabaseOption))
            .Add("MasterUsername", parseResult.GetRequiredValue(ClustersAddCommandDefinition.AdminUserOption))
            .Add("MasterUserPassword", password);
        var tags = parseResult.GetValue(ClustersAddCommandDefinition.TagOption) ?? [];
        for (var i = 0; i < tags.Length; i++)
        {
            var eq = tags[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"--tag wants KEY=VALUE, not '{tags[i]}'.");
            }

            request.Add($"Tags.Tag.{i + 1}.Key", tags[i][..eq]).Add($"Tags.Tag.{i + 1}.Value", tags[i][(eq + 1)..]);
        }

        ClusterSecuritySettings.Add(parseResult, request, update: false);

        var response = await context.SpinAsync($"Registering {name} (the broker connects and prepares it)...", () => connection.CallAsync(request, ct));
        var cluster = RedshiftCluster.FromXml(response, response.Result.Child("Cluster") ?? throw new InvalidDataException("RegisterCluster answered without Cluster."));
        var skipped = SkippedDatabasesOutput.Read(response.Result);
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Cluster"] = ClusterOutput.ToJson(cluster), ["SkippedDatabases"] = SkippedDatabasesOutput.ToJson(skipped) });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Registered cluster [bold]{cluster.ClusterIdentifier}[/] at {cluster.Endpoint?.Address}:{cluster.Endpoint?.Port} (database {cluster.DBName}, TLS {cluster.SslMode ?? "?"}).");
            SkippedDatabasesOutput.Print(context.Console, skipped);
            context.Console.MarkupLineInterpolated($"Next: iamdb clusters test {cluster.ClusterIdentifier}; iamdb clusters disable-passwords {cluster.ClusterIdentifier} --dry-run");
        }

        return ExitCodes.Ok;
    }
}
