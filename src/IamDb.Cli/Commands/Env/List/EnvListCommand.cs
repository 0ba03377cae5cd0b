using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.Env.List;

/// <summary><c>iamdb env list</c>: lists the saved environments.</summary>
internal static class EnvListCommand
{
    public static Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var path = CliConfigFile.DefaultPath();
        var environments = CliConfigFile.Load(path).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["ConfigFile"] = path,
                ["Environments"] = new JsonArray([.. environments.Select(EnvOutput.ToJson)]),
            });
            return Task.FromResult(ExitCodes.Ok);
        }

        if (environments.Count == 0)
        {
            context.Console.MarkupLineInterpolated($"No environments in {path}. Add one: iamdb env add NAME --endpoint-url URL --cluster C --db-name D --db-user U");
            return Task.FromResult(ExitCodes.Ok);
        }

        var table = new Table().AddColumns("Name", "Endpoint / region", "Cluster", "Database", "DB user", "Groups", "Auto-create", "Duration", "Profile");
        foreach (var e in environments)
        {
            table.AddRow(
                Markup.Escape(e.Name),
                Markup.Escape(e.EndpointUrl ?? $"AWS {e.Region}"),
                Markup.Escape(e.Cluster),
                Markup.Escape(e.DbName ?? "(any)"),
                Markup.Escape(e.DbUser),
                Markup.Escape(string.Join(", ", e.DbGroups)),
                e.AutoCreate ? "yes" : "no",
                e.DurationSeconds is { } d ? $"{d} s" : "900 s",
                Markup.Escape(e.Profile ?? "(default)"));
        }

        context.Console.Write(table);
        context.Console.MarkupLineInterpolated($"[grey]{path}[/]");
        return Task.FromResult(ExitCodes.Ok);
    }
}
