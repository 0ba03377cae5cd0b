using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Redshift;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters.List;

/// <summary><c>iamdb clusters list</c>: lists the registered clusters, page by page.</summary>
internal static class ClustersListCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        using var connection = ServiceConnection.Open(parseResult);
        var clusters = new List<RedshiftCluster>();
        string? marker = null;
        for (var page = 0; page < 1000; page++)
        {
            var result = await connection.Redshift.DescribeClustersAsync(new DescribeClustersRequest { Marker = marker }, ct);
            clusters.AddRange(result.Clusters);
            marker = result.Marker;
            if (marker is null)
            {
                break;
            }
        }

        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Clusters"] = new JsonArray([.. clusters.Select(c => (JsonNode)ClusterOutput.ToJson(c))]) });
            return ExitCodes.Ok;
        }

        if (clusters.Count == 0)
        {
            context.Console.WriteLine($"No clusters registered on {connection.Description}. Add one: iamdb clusters add NAME --host H --database DB --admin-user U --admin-password-env VAR");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Cluster", "Endpoint", "Database", "Admin", "TLS", "Allowed groups", "Privileged users", "Status", "Tags");
        foreach (var c in clusters)
        {
            table.AddRow(
                Markup.Escape(c.ClusterIdentifier),
                Markup.Escape(c.Endpoint is { } e ? $"{e.Address}:{e.Port}" : "-"),
                Markup.Escape(c.DBName ?? "-"),
                Markup.Escape(c.MasterUsername ?? "-"),
                Markup.Escape(c.SslMode ?? "-"),
                Markup.Escape(ClusterOutput.Groups(c)),
                c.AllowPrivilegedDbUsers == true ? "allowed" : "refused",
                Markup.Escape(c.ClusterStatus ?? "-"),
                Markup.Escape(string.Join(", ", c.Tags.Select(t => $"{t.Key}={t.Value}"))));
        }

        context.Console.Write(table);
        return ExitCodes.Ok;
    }
}
