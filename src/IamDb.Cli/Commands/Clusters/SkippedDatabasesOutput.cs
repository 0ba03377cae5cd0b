using System.Text.Json.Nodes;
using System.Xml.Linq;
using IamDb.Client.Query;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters;

/// <summary>
/// The databases a cluster's admin may not prepare, as <c>RegisterCluster</c> and <c>TestCluster</c> report them
/// (<c>SkippedDatabases/member/{DatabaseName,Reason}</c>), for <c>clusters add</c> and <c>clusters test</c>.
/// </summary>
internal static class SkippedDatabasesOutput
{
    public static List<(string Database, string Reason)> Read(XElement? result) =>
        [.. result.Members("SkippedDatabases").Select(m => (m.Text("DatabaseName") ?? "?", m.Text("Reason") ?? "?"))];

    public static JsonArray ToJson(List<(string Database, string Reason)> skipped) =>
        [.. skipped.Select(s => (JsonNode)new JsonObject { ["DatabaseName"] = s.Database, ["Reason"] = s.Reason })];

    /// <summary>One line per skipped database, and what that means for credentials scoped to it.</summary>
    public static void Print(IAnsiConsole console, List<(string Database, string Reason)> skipped, string indent = "  ")
    {
        if (skipped.Count == 0)
        {
            return;
        }

        console.MarkupLineInterpolated($"{indent}[yellow]databases the admin may not prepare (left as they were; credentials scoped to them are refused):[/]");
        foreach (var (database, reason) in skipped)
        {
            console.MarkupLineInterpolated($"{indent}  {database}: {reason}");
        }
    }
}
