using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters.DisablePasswords;

/// <summary><c>iamdb clusters disable-passwords</c>: removes password login from a cluster's ordinary database users.</summary>
internal static class ClustersDisablePasswordsCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        var dryRun = parseResult.GetValue(ClustersDisablePasswordsCommandDefinition.DryRunOption);
        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "DisableClusterPasswords")
            .Add("ClusterIdentifier", name)
            .AddList("DbUsers", parseResult.GetValue(ClustersDisablePasswordsCommandDefinition.UserOption), "DbUser")
            .Add("DryRun", dryRun);
        var response = await connection.CallAsync(request, ct);
        var changes = response.Result.Members("Changes")
            .Select(m => (DbUser: m.Text("DbUser") ?? "?", Changed: m.Text("Changed") == "true", Reason: m.Text("Reason")))
            .ToList();
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["ClusterIdentifier"] = name,
                ["DryRun"] = dryRun,
                ["Changes"] = new JsonArray([.. changes.Select(c => (JsonNode)new JsonObject { ["DbUser"] = c.DbUser, ["Changed"] = c.Changed, ["Reason"] = c.Reason })]),
            });
            return ExitCodes.Ok;
        }

        if (changes.Count == 0)
        {
            context.Console.WriteLine("No database user had a password to disable.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("DB user", dryRun ? "Would change" : "Changed", "Reason");
        foreach (var c in changes)
        {
            table.AddRow(Markup.Escape(c.DbUser), c.Changed ? "yes" : "no", Markup.Escape(c.Reason ?? string.Empty));
        }

        context.Console.Write(table);
        if (dryRun)
        {
            context.Console.WriteLine("Dry run: nothing was changed. Run again without --dry-run to apply.");
        }

        return ExitCodes.Ok;
    }
}
