using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.Env;

/// <summary>The handlers of <c>iamdb env add</c>, <c>list</c> and <c>remove</c>.</summary>
internal static class EnvCommands
{
    public static Task<int> AddAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(EnvCommandDefinition.NameArgument);
        if (!CliConfigFile.IsValidName(name))
        {
            throw new CliUsageException($"'{name}' cannot name an environment: use letters, digits, - and _ (at most 64, starting with a letter or digit).");
        }

        var endpoint = parseResult.GetValue(GlobalOptions.EndpointUrlOption);
        var region = parseResult.GetValue(GlobalOptions.RegionOption);
        if (endpoint is null && region is null)
        {
            throw new CliUsageException("say where the credentials come from: --endpoint-url URL (an IamDb broker) or --region R (AWS).");
        }

        if (endpoint is not null
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw new CliUsageException($"--endpoint-url must be an http:// or https:// URL, not '{endpoint}'.");
        }

        var duration = parseResult.GetValue(EnvCommandDefinition.DurationOption);
        if (duration is < 900 or > 3600)
        {
            throw new CliUsageException($"--duration must be from 900 to 3600 seconds, not {duration}.");
        }

        var environment = new CliEnvironment(
            name,
            endpoint?.TrimEnd('/'),
            region,
            parseResult.GetRequiredValue(EnvCommandDefinition.ClusterOption),
            parseResult.GetValue(EnvCommandDefinition.DbNameOption),
            parseResult.GetRequiredValue(EnvCommandDefinition.DbUserOption),
            parseResult.GetValue(EnvCommandDefinition.DbGroupsOption) ?? [],
            parseResult.GetValue(EnvCommandDefinition.AutoCreateOption),
            duration,
            parseResult.GetValue(GlobalOptions.ProfileOption),
            ServiceConnection.SavedCaBundle(parseResult.GetValue(GlobalOptions.CaBundleOption)));

        var path = CliConfigFile.DefaultPath();
        var environments = CliConfigFile.Load(path).ToList();
        var existing = environments.FindIndex(e => e.Name == name);
        if (existing >= 0 && !parseResult.GetValue(EnvCommandDefinition.ReplaceOption))
        {
            throw new CliException($"an environment named '{name}' exists already in {path}; pass --replace to overwrite it or `iamdb env remove {name}` first.");
        }

        if (existing >= 0)
        {
            environments[existing] = environment;
        }
        else
        {
            environments.Add(environment);
        }

        CliConfigFile.Save(path, environments);
        if (context.Json)
        {
            context.WriteJson(ToJson(environment));
        }
        else
        {
            context.Console.MarkupLineInterpolated($"{(existing >= 0 ? "Replaced" : "Saved")} environment [bold]{name}[/] in {path}. Use it with [bold]--env {name}[/].");
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    public static Task<int> ListAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var path = CliConfigFile.DefaultPath();
        var environments = CliConfigFile.Load(path).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["ConfigFile"] = path,
                ["Environments"] = new JsonArray([.. environments.Select(ToJson)]),
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

    public static Task<int> RemoveAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(EnvCommandDefinition.NameArgument);
        var path = CliConfigFile.DefaultPath();
        var environments = CliConfigFile.Load(path).ToList();
        if (environments.RemoveAll(e => e.Name == name) == 0)
        {
            throw new CliException(CliConfigFile.UnknownMessage(name, environments, path));
        }

        CliConfigFile.Save(path, environments);
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Removed"] = name });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Removed environment [bold]{name}[/] from {path}.");
        }

        return Task.FromResult(ExitCodes.Ok);
    }

    internal static JsonObject ToJson(CliEnvironment e) => new()
    {
        ["Name"] = e.Name,
        ["EndpointUrl"] = e.EndpointUrl,
        ["Region"] = e.Region,
        ["ClusterIdentifier"] = e.Cluster,
        ["DbName"] = e.DbName,
        ["DbUser"] = e.DbUser,
        ["DbGroups"] = new JsonArray([.. e.DbGroups.Select(g => (JsonNode)g)]),
        ["AutoCreate"] = e.AutoCreate,
        ["DurationSeconds"] = e.DurationSeconds,
        ["Profile"] = e.Profile,
        ["CaBundle"] = e.CaBundle,
    };
}
