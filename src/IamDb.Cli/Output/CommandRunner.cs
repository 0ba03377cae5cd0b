using System.CommandLine;
using System.CommandLine.Parsing;

namespace IamDb.Cli.Output;

/// <summary>
/// Runs a command's handler with the CLI's error conventions: a <see cref="CliException"/> becomes
/// <c>error: …</c> on stderr and its exit code; an AWS error becomes <c>error: Code: Message</c> (exit 3 for access
/// denied); nothing prints a stack trace.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Wraps a handler for <see cref="Command.SetAction(Func{ParseResult, CancellationToken, Task{int}})"/>.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Action(Func<ParseResult, CliContext, CancellationToken, Task<int>> handler) =>
        (parseResult, ct) => RunAsync(parseResult, CliContext.From(parseResult), handler, ct);

    public static async Task<int> RunAsync(
        ParseResult parseResult, CliContext context, Func<ParseResult, CliContext, CancellationToken, Task<int>> handler, CancellationToken ct)
    {
        try
        {
            return await handler(parseResult, context, ct);
        }
        catch (CliException ex)
        {
            context.WriteError(ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            context.WriteError("cancelled.");
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (AwsErrors.TryDescribe(ex, out var message, out var exitCode))
        {
            context.WriteError(message);
            return exitCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or UnauthorizedAccessException)
        {
            context.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
    }

    /// <summary>
    /// Reports parse errors as usage errors (exit 2): each error, then where to read the help of the command that
    /// was being parsed.
    /// </summary>
    public static int ReportParseErrors(ParseResult parseResult, TextWriter error)
    {
        foreach (var parseError in parseResult.Errors)
        {
            error.WriteLine($"error: {parseError.Message}");
        }

        error.WriteLine($"See '{CommandPath(parseResult.CommandResult)} --help' for usage and examples.");
        error.Flush();
        return ExitCodes.Usage;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult command)
            {
                names.Add(command.Command is RootCommand ? "iamdb" : command.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
