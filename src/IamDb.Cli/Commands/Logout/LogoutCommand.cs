using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Commands.Login;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.Logout;

/// <summary>Removes an environment's login session from the session cache.</summary>
internal static class LogoutCommand
{
    public static Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(LogoutCommandDefinition.EnvironmentArgument);
        var path = LoginSessionCache.DefaultPath();
        var removed = LoginSessionCache.Remove(path, name);
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Environment"] = name, ["LoggedOut"] = removed });
        }
        else if (removed)
        {
            context.Console.MarkupLineInterpolated($"Logged out of [bold]{name}[/]: its session is removed from {path}.");
        }
        else
        {
            context.Console.MarkupLineInterpolated($"No login session for [bold]{name}[/]; nothing to forget.");
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}
