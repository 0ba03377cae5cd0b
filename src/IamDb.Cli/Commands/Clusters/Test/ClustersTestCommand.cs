using System.CommandLine;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using IamDb.Cli.Commands.Clusters;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters.Test;

/// <summary><c>iamdb clusters test</c>: has the broker connect to a cluster as its admin and reports what it found.</summary>
internal static class ClustersTestCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        using var connection = ServiceConnection.Open(parseResult);
        var response = await context.SpinAsync($"Testing {name}...", () => connection.CallAsync(
            connection.Request(AwsServices.Redshift, "TestCluster").Add("ClusterIdentifier", name), ct));
        var version = response.Result.Text("ServerVersion") ?? "?";
        var databases = Members(response.Result, "Databases");
        var passwordUsers = Members(response.Result, "PasswordLoginUsers");
        var tlsVersion = response.Result.Text("TlsVersion");
        var verification = response.Result.Text("TlsVerification");
        var skipped = SkippedDatabasesOutput.Read(response.Result);
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["ClusterIdentifier"] = name,
                ["ServerVersion"] = version,
                ["TlsVersion"] = tlsVersion,
                ["TlsVerification"] = verification,
                ["Databases"] = new JsonArray([.. databases.Select(d => (JsonNode)d)]),
                ["PasswordLoginUsers"] = new JsonArray([.. passwordUsers.Select(u => (JsonNode)u)]),
                ["SkippedDatabases"] = SkippedDatabasesOutput.ToJson(skipped),
            });
            return ExitCodes.Ok;
        }

        context.Console.MarkupLineInterpolated($"[green]ok[/] {name}: {version}");
        context.Console.MarkupLineInterpolated($"  TLS: {tlsVersion ?? "?"}, {verification ?? "?"}");
        context.Console.MarkupLineInterpolated($"  databases: {string.Join(", ", databases)}");
        SkippedDatabasesOutput.Print(context.Console, skipped);
        if (passwordUsers.Count == 0)
        {
            context.Console.WriteLine("  no ordinary user can log in with a password: temporary credentials are the only way in.");
        }
        else
        {
            context.Console.MarkupLineInterpolated($"  [yellow]users that can still log in with a password:[/] {string.Join(", ", passwordUsers)}");
            context.Console.MarkupLineInterpolated($"  disable them: iamdb clusters disable-passwords {name} --dry-run");
        }

        return ExitCodes.Ok;
    }

    private static List<string> Members(XElement? result, string list) => [.. result.Members(list).Select(m => m.Value)];
}
