using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.Env.Remove;

/// <summary><c>iamdb env remove</c>: removes a saved environment.</summary>
internal static class EnvRemoveCommand
{
    public static Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
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
}
